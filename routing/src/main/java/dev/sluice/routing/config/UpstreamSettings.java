package dev.sluice.routing.config;

/**
 * Timeouts for calls to providers, one per phase. Thread-safe (immutable).
 *
 * @param connectTimeoutMs TCP (and TLS) connect
 * @param firstByteTimeoutMs from sending the request to the response head
 * @param idleTimeoutMs longest silence between two reads of a response body (between SSE events)
 * @param maxEventBytes largest single SSE event relayed; a bigger one ends the stream as malformed
 */
public record UpstreamSettings(long connectTimeoutMs, long firstByteTimeoutMs, long idleTimeoutMs,
                               int maxEventBytes) {
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    public static final long DEFAULT_FIRST_BYTE_TIMEOUT_MS = 120_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 120_000;
    public static final int DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
}
