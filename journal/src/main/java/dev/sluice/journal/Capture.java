package dev.sluice.journal;

/**
 * What the journal kept of a request's content, as recorded in its end record: nothing, the size and digest of the
 * request body, or the request body and the answer (redacted).
 * <p>
 * Thread-safe (enum).
 */
public enum Capture {
    /** Nothing of the content. */
    OFF((byte) 0, "off"),
    /** The request body's size and SHA-256 (in the record's chained digest), not its text. */
    METADATA((byte) 1, "metadata"),
    /** The request body and the answer, redacted. */
    FULL((byte) 2, "full");

    private final byte id;
    private final String wireName;

    Capture(byte id, String wireName) {
        this.id = id;
        this.wireName = wireName;
    }

    public byte id() {
        return id;
    }

    /** The name shown by the CLI and in JSON: {@code off}, {@code metadata} or {@code full}. */
    public String wireName() {
        return wireName;
    }

    /** The capture of {@code id}, or null. */
    public static Capture fromId(byte id) {
        for (Capture c : values()) {
            if (c.id == id) {
                return c;
            }
        }
        return null;
    }
}
