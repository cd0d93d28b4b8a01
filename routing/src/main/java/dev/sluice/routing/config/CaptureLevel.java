package dev.sluice.routing.config;

/**
 * What the journal keeps of a request's content ({@code journal.capture}), from the least to the most: ordered so
 * that a stricter setting compares lower.
 * <p>
 * Thread-safe (enum).
 */
public enum CaptureLevel {
    /** Nothing of the content: the request's metadata only, without sizes or digests of its body. */
    OFF("off"),
    /** The metadata, and the size and SHA-256 of the request body: proof of what was sent, without the text. */
    METADATA("metadata"),
    /** The request body as sent and the answer as relayed, after redaction. */
    FULL("full");

    private final String configName;

    CaptureLevel(String configName) {
        this.configName = configName;
    }

    /** The name in the configuration and in the journal. */
    public String configName() {
        return configName;
    }

    /** The level named {@code name}, or null. */
    public static CaptureLevel parse(String name) {
        for (CaptureLevel level : values()) {
            if (level.configName.equals(name)) {
                return level;
            }
        }
        return null;
    }

    /** The stricter of the two. */
    public CaptureLevel atMost(CaptureLevel ceiling) {
        return ceiling.ordinal() < ordinal() ? ceiling : this;
    }
}
