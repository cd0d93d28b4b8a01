package dev.sluice.routing.config;

/**
 * When a deployment's circuit opens and for how long it stays open (outlier ejection). Thread-safe (immutable).
 *
 * @param failures consecutive {@link FailureKind#UPSTREAM} or {@link FailureKind#TIMEOUT} failures that open it
 * @param connectFailures consecutive {@link FailureKind#CONNECT} failures that open it
 * @param baseEjectionMs the first ejection's length; the n-th ejection in a row lasts {@code n} times as long
 * @param maxEjectionMs the cap on one ejection's length
 */
public record CircuitSettings(int failures, int connectFailures, long baseEjectionMs, long maxEjectionMs) {
    public static final int DEFAULT_FAILURES = 5;
    public static final int DEFAULT_CONNECT_FAILURES = 3;
    public static final long DEFAULT_BASE_EJECTION_MS = 5_000;
    public static final long DEFAULT_MAX_EJECTION_MS = 300_000;
    /** The shortest time after which a probe that never reported may be replaced by another. */
    public static final long MIN_PROBE_STALE_MS = 10_000;

    public static final CircuitSettings DEFAULTS = new CircuitSettings(DEFAULT_FAILURES, DEFAULT_CONNECT_FAILURES,
            DEFAULT_BASE_EJECTION_MS, DEFAULT_MAX_EJECTION_MS);

    public CircuitSettings {
        if (failures < 1) {
            throw new IllegalArgumentException("failures: " + failures + " (expected: >= 1)");
        }
        if (connectFailures < 1) {
            throw new IllegalArgumentException("connectFailures: " + connectFailures + " (expected: >= 1)");
        }
        if (baseEjectionMs < 1) {
            throw new IllegalArgumentException("baseEjectionMs: " + baseEjectionMs + " (expected: >= 1)");
        }
        if (maxEjectionMs < baseEjectionMs) {
            throw new IllegalArgumentException("maxEjectionMs: " + maxEjectionMs + " (expected: >= baseEjectionMs "
                    + baseEjectionMs + ")");
        }
    }

    /** Returns the length of the {@code n}-th ejection in a row (n >= 1): base x n, capped, in nanoseconds. */
    public long ejectionNs(int n) {
        long ms = Math.max(1, n) > maxEjectionMs / baseEjectionMs ? maxEjectionMs : baseEjectionMs * Math.max(1, n);
        return ms * 1_000_000L;
    }

    /** Returns how long a half-open probe may go unreported before another may replace it, in nanoseconds. */
    public long probeStaleNs() {
        return Math.max(MIN_PROBE_STALE_MS, baseEjectionMs) * 1_000_000L;
    }
}
