package dev.sluice.journal;

/**
 * How a request ended, as recorded in its end record. Ids are stable on disk; wire names are what the CLI and
 * JSON output print.
 * <p>
 * Thread-safe (immutable).
 */
public enum Outcome {
    /** The upstream answered and the answer was relayed completely. */
    OK(0, "ok"),
    /** The client went away before the answer was complete. */
    CLIENT_CANCELLED(1, "client_cancelled"),
    /** The upstream answered with an error status. */
    UPSTREAM_ERROR(2, "upstream_error"),
    /** The upstream stream broke off after the first byte reached the client. */
    UPSTREAM_TRUNCATED(3, "upstream_truncated"),
    /** No upstream could be reached (connect failed). */
    UPSTREAM_UNAVAILABLE(4, "upstream_unavailable"),
    /** The upstream did not answer in time. */
    UPSTREAM_TIMEOUT(5, "upstream_timeout"),
    /** The gateway refused the request: authentication, access, limits or a bad request. */
    REJECTED(6, "rejected"),
    /** The gateway refused the request because its HTTP framing was invalid or ambiguous. */
    REJECTED_PROTOCOL(7, "rejected:protocol"),
    /** The gateway failed internally. */
    GATEWAY_ERROR(8, "gateway_error"),
    /** No end was written because the process died; written by recovery on the next start. */
    INTERRUPTED(9, "interrupted"),
    /** No deployment of the requested alias was available (all circuits open or none configured). */
    NO_DEPLOYMENT(10, "no_deployment");

    private static final Outcome[] BY_ID = new Outcome[16];

    static {
        for (Outcome o : values()) {
            BY_ID[o.id] = o;
        }
    }

    private final byte id;
    private final String wireName;

    Outcome(int id, String wireName) {
        this.id = (byte) id;
        this.wireName = wireName;
    }

    /** The stable on-disk id. */
    public byte id() {
        return id;
    }

    /** The stable name printed by the CLI, e.g. {@code "upstream_error"}. */
    public String wireName() {
        return wireName;
    }

    /** The outcome with {@code id}, or null when the id is unknown. */
    public static Outcome fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
