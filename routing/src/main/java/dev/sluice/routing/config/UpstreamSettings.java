package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

/**
 * Settings for calls to providers that are not per route, and the defaults every route starts from (the
 * {@code upstream:} section). Thread-safe (immutable).
 *
 * @param defaultPolicy attempts, backoff, timeouts and circuit of a route that overrides none of them
 * @param maxEventBytes largest single SSE event relayed; a bigger one ends the stream as malformed
 */
public record UpstreamSettings(RoutePolicy defaultPolicy, int maxEventBytes) {
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = RoutePolicy.DEFAULT_CONNECT_TIMEOUT_MS;
    public static final long DEFAULT_FIRST_BYTE_TIMEOUT_MS = RoutePolicy.DEFAULT_FIRST_TOKEN_TIMEOUT_MS;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = RoutePolicy.DEFAULT_IDLE_TIMEOUT_MS;
    public static final long DEFAULT_TOTAL_TIMEOUT_MS = RoutePolicy.DEFAULT_TOTAL_TIMEOUT_MS;
    public static final int DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;

    public UpstreamSettings {
        requireNonNull(defaultPolicy, "defaultPolicy");
        if (maxEventBytes < 1) {
            throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: >= 1)");
        }
    }

    /** Settings with the given phase timeouts, no total timeout beyond the default, and default retries. */
    public UpstreamSettings(long connectTimeoutMs, long firstByteTimeoutMs, long idleTimeoutMs, int maxEventBytes) {
        this(RoutePolicy.DEFAULTS.withTimeouts(connectTimeoutMs, firstByteTimeoutMs, idleTimeoutMs,
                DEFAULT_TOTAL_TIMEOUT_MS), maxEventBytes);
    }

    /** Default TCP (and TLS) connect timeout of a route. */
    public long connectTimeoutMs() {
        return defaultPolicy.connectTimeoutMs();
    }

    /** Default time from sending the request to the response head. */
    public long firstByteTimeoutMs() {
        return defaultPolicy.firstTokenTimeoutMs();
    }

    /** Default longest silence between two reads of a response body (between SSE events). */
    public long idleTimeoutMs() {
        return defaultPolicy.idleTimeoutMs();
    }

    /** Default limit on a whole request, every attempt included; 0 means none. */
    public long totalTimeoutMs() {
        return defaultPolicy.totalTimeoutMs();
    }
}
