package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How one model alias retries, falls back and times out. Thread-safe (immutable).
 *
 * @param maxAttempts upstream attempts per request, the first included (1-10)
 * @param backoffMs base of the jittered exponential backoff between attempts
 * @param maxBackoffMs cap on one backoff
 * @param maxRetryAfterMs a provider's {@code Retry-After} longer than this is not waited for
 * @param resendAfterDispatch whether a request the provider may have billed (an ambiguous failure after the body
 *        was sent) may be sent again; off by default so one answer is never billed twice
 * @param connectTimeoutMs TCP (and TLS) connect
 * @param firstTokenTimeoutMs from sending the request to the response head
 * @param idleTimeoutMs longest silence between two reads of a response body
 * @param totalTimeoutMs the whole request, every attempt included; 0 means none
 * @param circuit when a deployment is ejected and for how long
 */
public record RoutePolicy(int maxAttempts, long backoffMs, long maxBackoffMs, long maxRetryAfterMs,
                          boolean resendAfterDispatch, long connectTimeoutMs, long firstTokenTimeoutMs,
                          long idleTimeoutMs, long totalTimeoutMs, CircuitSettings circuit) {
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final int MAX_ATTEMPTS_LIMIT = 10;
    public static final long DEFAULT_BACKOFF_MS = 100;
    public static final long DEFAULT_MAX_BACKOFF_MS = 2_000;
    public static final long DEFAULT_MAX_RETRY_AFTER_MS = 10_000;
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
    public static final long DEFAULT_FIRST_TOKEN_TIMEOUT_MS = 120_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 120_000;
    public static final long DEFAULT_TOTAL_TIMEOUT_MS = 600_000;

    /** The policy of a route when the configuration says nothing. */
    public static final RoutePolicy DEFAULTS = new RoutePolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_BACKOFF_MS,
            DEFAULT_MAX_BACKOFF_MS, DEFAULT_MAX_RETRY_AFTER_MS, false, DEFAULT_CONNECT_TIMEOUT_MS,
            DEFAULT_FIRST_TOKEN_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_TOTAL_TIMEOUT_MS,
            CircuitSettings.DEFAULTS);

    public RoutePolicy {
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS_LIMIT) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: 1-" + MAX_ATTEMPTS_LIMIT
                    + ")");
        }
        requireNonNegative(backoffMs, "backoffMs");
        requireNonNegative(maxRetryAfterMs, "maxRetryAfterMs");
        requireNonNegative(totalTimeoutMs, "totalTimeoutMs");
        if (maxBackoffMs < backoffMs) {
            throw new IllegalArgumentException("maxBackoffMs: " + maxBackoffMs + " (expected: >= backoffMs "
                    + backoffMs + ")");
        }
        requirePositive(connectTimeoutMs, "connectTimeoutMs");
        requirePositive(firstTokenTimeoutMs, "firstTokenTimeoutMs");
        requirePositive(idleTimeoutMs, "idleTimeoutMs");
        requireNonNull(circuit, "circuit");
    }

    private static void requireNonNegative(long v, String name) {
        if (v < 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= 0)");
        }
    }

    private static void requirePositive(long v, String name) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= 1)");
        }
    }

    /**
     * Returns the wait before retry number {@code retry} (1 for the wait between the first and the second attempt),
     * in milliseconds: "equal jitter" over {@code min(maxBackoffMs, backoffMs x 2^(retry-1))}, so half of it is
     * fixed and half random. Allocation-free; any thread.
     */
    public long backoffMs(int retry) {
        int shift = Math.min(Math.max(retry, 1) - 1, 30);
        long ceiling = backoffMs > (maxBackoffMs >> shift) ? maxBackoffMs : backoffMs << shift;
        long half = ceiling / 2;
        return half + ThreadLocalRandom.current().nextLong(ceiling - half + 1);
    }

    /** Returns a copy with other circuit settings. */
    public RoutePolicy withCircuit(CircuitSettings c) {
        return new RoutePolicy(maxAttempts, backoffMs, maxBackoffMs, maxRetryAfterMs, resendAfterDispatch,
                connectTimeoutMs, firstTokenTimeoutMs, idleTimeoutMs, totalTimeoutMs, c);
    }

    /** Returns a copy with other phase timeouts (used for the route-level {@code timeouts:} block). */
    public RoutePolicy withTimeouts(long connectMs, long firstTokenMs, long idleMs, long totalMs) {
        return new RoutePolicy(maxAttempts, backoffMs, maxBackoffMs, maxRetryAfterMs, resendAfterDispatch, connectMs,
                firstTokenMs, idleMs, totalMs, circuit);
    }
}
