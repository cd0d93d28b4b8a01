package dev.sluice.journal;

/**
 * How an admin action ended, as recorded in an {@link AdminRecord}. Ids are stable on disk; wire names are what
 * the CLI and JSON output print.
 * <p>
 * Thread-safe (immutable).
 */
public enum AdminOutcome {
    /** The action was carried out. */
    OK(0, "ok"),
    /** The caller was not allowed to do it (or not authenticated). */
    DENIED(1, "denied"),
    /** The target (a key id, a team) does not exist. */
    NOT_FOUND(2, "not_found"),
    /** The request was malformed or the change would be invalid. */
    INVALID(3, "invalid"),
    /** The gateway failed while carrying it out. */
    ERROR(4, "error");

    private static final AdminOutcome[] BY_ID = new AdminOutcome[8];

    static {
        for (AdminOutcome o : values()) {
            BY_ID[o.id] = o;
        }
    }

    private final byte id;
    private final String wireName;

    AdminOutcome(int id, String wireName) {
        this.id = (byte) id;
        this.wireName = wireName;
    }

    /** The stable on-disk id. */
    public byte id() {
        return id;
    }

    /** The stable name printed by the CLI, e.g. {@code "not_found"}. */
    public String wireName() {
        return wireName;
    }

    /**
     * The outcome named {@code wireName} ({@code "ok"}, {@code "denied"}, {@code "not_found"}, {@code "invalid"},
     * {@code "error"}).
     *
     * @throws IllegalArgumentException when the name is unknown
     */
    public static AdminOutcome fromWireName(String wireName) {
        for (AdminOutcome o : values()) {
            if (o.wireName.equals(wireName)) {
                return o;
            }
        }
        throw new IllegalArgumentException("outcome: " + wireName
            + " (expected: ok, denied, not_found, invalid or error)");
    }

    /** The outcome with {@code id}, or null when the id is unknown. */
    public static AdminOutcome fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
