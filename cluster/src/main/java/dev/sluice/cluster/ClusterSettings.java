package dev.sluice.cluster;

import java.time.Duration;

/**
 * The settings of cluster mode, each with its default, read in one place. Thread-safe (constants).
 */
public final class ClusterSettings {
    /**
     * Per Redis command: past it the command fails and the failure policy decides (fail closed by default). Long
     * enough that a busy machine (a garbage collection, a loaded Redis, a noisy neighbour) does not turn
     * admissions into 503s: 200 ms did, in the test suite under load.
     */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);

    /** TCP connect timeout of the first connection and of every reconnect. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);

    /** Upper bound of the reconnect back-off, so a Redis that comes back is used again within about a second. */
    public static final Duration MAX_RECONNECT_DELAY = Duration.ofSeconds(1);

    /**
     * Lifetime of a concurrency slot: a gateway that crashes with requests in flight never releases its slots,
     * so they free themselves after this (longer than any request's whole-request timeout).
     */
    public static final long SLOT_TTL_MS = Duration.ofMinutes(10).toMillis();

    /**
     * Lifetime of an unsettled ticket in Redis. Settling deletes it; the deletion is what makes a settle
     * idempotent, so a settle retried after a timeout never moves a reservation twice.
     */
    public static final long TICKET_TTL_MS = Duration.ofDays(1).toMillis();

    /** Rate-limit windows are fixed minutes; two of them (previous and current) estimate a sliding minute. */
    public static final long WINDOW_MS = 60_000;

    /** Window counters live for two windows: the current one and the previous one the estimate still needs. */
    public static final long WINDOW_TTL_MS = 2 * WINDOW_MS;

    /** A budget hash lives this long past the end of its period, so late settles still find it. */
    public static final long BUDGET_GRACE_MS = Duration.ofDays(1).toMillis();

    /** Settles that failed (Redis unreachable) kept to be replayed when Redis answers again; beyond it, dropped. */
    public static final int MAX_PENDING_SETTLES = 65_536;

    /** Default key prefix of every Redis key Sluice writes. */
    public static final String DEFAULT_PREFIX = "sluice";

    private ClusterSettings() {
    }
}
