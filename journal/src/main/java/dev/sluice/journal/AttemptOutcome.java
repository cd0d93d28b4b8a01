package dev.sluice.journal;

/**
 * How one upstream attempt of a request ended, as listed in its end record ({@link EndRecord#addAttempt}). Ids
 * are stable on disk; wire names are what the CLI and JSON output print.
 * <p>
 * Thread-safe (immutable).
 */
public enum AttemptOutcome {
    /** The upstream answered with a success status. */
    OK("ok"),
    /** The connection was refused; no request bytes were sent (safe to fall back). */
    CONNECT_REFUSED("connect_refused"),
    /** The connection was not established in time; no request bytes were sent. */
    CONNECT_TIMEOUT("connect_timeout"),
    /** The connection failed otherwise (TLS handshake, resolution, unreachable); no request bytes were sent. */
    CONNECT_FAILED("connect_failed"),
    /** A pooled connection turned out to be closed before it took the request. */
    STALE_CONNECTION("stale_connection"),
    /** The connection was reset after the request was sent. */
    RESET("reset"),
    /** No first byte of the answer arrived in time. */
    FIRST_TOKEN_TIMEOUT("first_token_timeout"),
    /** The upstream answered with an error status (the attempt's {@code status}). */
    STATUS("status"),
    /** The answer broke off before its end. */
    TRUNCATED("truncated"),
    /** The client went away during the attempt. */
    CLIENT_CANCELLED("client_cancelled"),
    /** A later phase timed out (idle between tokens, or the whole request). */
    TIMEOUT("timeout"),
    /** The request or the answer could not be translated between dialects. */
    TRANSLATION_FAILED("translation_failed");

    private static final AttemptOutcome[] BY_ID = values();

    private final String wireName;

    AttemptOutcome(String wireName) {
        this.wireName = wireName;
    }

    /** The stable on-disk id (the declaration order; new outcomes are only ever appended). */
    public byte id() {
        return (byte) ordinal();
    }

    /** The stable name printed by the CLI, e.g. {@code "connect_refused"}. */
    public String wireName() {
        return wireName;
    }

    /** The outcome with {@code id}, or null when the id is unknown. */
    public static AttemptOutcome fromId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }
}
