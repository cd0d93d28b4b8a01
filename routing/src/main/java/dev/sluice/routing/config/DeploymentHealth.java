package dev.sluice.routing.config;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lock-free health of one deployment: its circuit (closed, open until a deadline, then half-open with one probe),
 * the consecutive-failure counts that open it, a Retry-After cool-down, lifetime counters and a moving average of
 * the time to first token. One instance lives across configuration reloads (see
 * {@link RouteTable#withHealthFrom(RouteTable)}); the decisions that involve the other deployments of an alias are
 * made by {@link Route}. Times are {@link System#nanoTime()} values passed in by the caller. Thread-safe.
 */
public final class DeploymentHealth {
    public static final int CLOSED = 0;
    public static final int OPEN = 1;
    public static final int HALF_OPEN = 2;

    /** Marks "no probe in flight" and "never cooled down"; a real time equal to it is nudged by one. */
    private static final long NONE = Long.MIN_VALUE;

    private final AtomicInteger state = new AtomicInteger(CLOSED);
    /** Written before {@link #state} turns OPEN and before a probe slot is released, read after them. */
    private volatile long ejectedUntilNs;
    private volatile long probeStaleNs = CircuitSettings.DEFAULTS.probeStaleNs();
    private final AtomicInteger ejections = new AtomicInteger();
    private final AtomicInteger consecutiveFailures = new AtomicInteger();
    private final AtomicInteger consecutiveConnectFailures = new AtomicInteger();
    private final AtomicLong probeStartNs = new AtomicLong(NONE);
    private final AtomicLong coolDownUntilNs = new AtomicLong(NONE);
    private final AtomicLong ewmaTtftNs = new AtomicLong();
    private final AtomicLong successes = new AtomicLong();
    private final AtomicLong upstreamFailures = new AtomicLong();
    private final AtomicLong connectFailures = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong picks = new AtomicLong();
    private final AtomicLong probes = new AtomicLong();

    /**
     * Returns {@link #CLOSED}, {@link #OPEN}, or {@link #HALF_OPEN} for an open circuit whose ejection has elapsed
     * (a probe may be, or is being, sent).
     */
    public int state(long nowNs) {
        if (state.get() == CLOSED) {
            return CLOSED;
        }
        return nowNs - ejectedUntilNs < 0 ? OPEN : HALF_OPEN;
    }

    /**
     * Returns whether this deployment could be picked now: closed, or half-open with no probe in flight (or a stale
     * one), and not cooling down. Whether its provider is enabled is not part of its health.
     */
    public boolean available(long nowNs) {
        if (coolingDown(nowNs)) {
            return false;
        }
        if (state.get() == CLOSED) {
            return true;
        }
        if (nowNs - ejectedUntilNs < 0) {
            return false;
        }
        long p = probeStartNs.get();
        return p == NONE || nowNs - p >= probeStaleNs;
    }

    /** Returns the moving average (alpha 0.2) of the time to first token, or 0 before the first sample. */
    public long ewmaTtftNs() {
        return ewmaTtftNs.get();
    }

    /** Returns when the current or last ejection ends (meaningful while the state is not closed). */
    public long ejectedUntilNs() {
        return ejectedUntilNs;
    }

    /** Returns how many times in a row the circuit has been opened since it last closed. */
    public int ejections() {
        return ejections.get();
    }

    /** Returns until when a Retry-After keeps this deployment out of rotation, or {@link Long#MIN_VALUE} if never. */
    public long coolDownUntilNs() {
        return coolDownUntilNs.get();
    }

    /** Returns the attempts that succeeded. */
    public long successes() {
        return successes.get();
    }

    /** Returns the attempts that failed with {@link FailureKind#UPSTREAM}. */
    public long upstreamFailures() {
        return upstreamFailures.get();
    }

    /** Returns the attempts that failed with {@link FailureKind#CONNECT}. */
    public long connectFailures() {
        return connectFailures.get();
    }

    /** Returns the attempts that failed with {@link FailureKind#TIMEOUT}. */
    public long timeouts() {
        return timeouts.get();
    }

    /** Returns how often this deployment was picked, probes included. */
    public long picks() {
        return picks.get();
    }

    /** Returns how many of the picks were half-open probes. */
    public long probes() {
        return probes.get();
    }

    /**
     * Keeps this deployment from being picked until {@code untilNs} (a 429 with Retry-After). This is not an
     * ejection: the circuit and its counts are untouched. A later deadline already set is kept.
     */
    public void coolDown(long untilNs) {
        long until = untilNs == NONE ? NONE + 1 : untilNs;
        while (true) {
            long cur = coolDownUntilNs.get();
            if (cur != NONE && cur - until >= 0) {
                return;
            }
            if (coolDownUntilNs.compareAndSet(cur, until)) {
                return;
            }
        }
    }

    boolean coolingDown(long nowNs) {
        long c = coolDownUntilNs.get();
        return c != NONE && nowNs - c < 0;
    }

    /** Returns whether the circuit is closed, whatever the time (an elapsed ejection still counts as open). */
    boolean closed() {
        return state.get() == CLOSED;
    }

    boolean probeInFlight() {
        return probeStartNs.get() != NONE;
    }

    void probeStaleNs(long nanos) {
        probeStaleNs = nanos;
    }

    /**
     * Takes this deployment for one attempt when it is available: always when closed, and as the single probe when
     * half-open. Counts the pick.
     */
    boolean tryAcquire(long nowNs) {
        if (coolingDown(nowNs)) {
            return false;
        }
        if (state.get() == CLOSED) {
            picks.incrementAndGet();
            return true;
        }
        if (nowNs - ejectedUntilNs < 0) {
            return false;
        }
        long stamp = nowNs == NONE ? NONE + 1 : nowNs;
        long p = probeStartNs.get();
        boolean won = p == NONE ? probeStartNs.compareAndSet(NONE, stamp)
                : nowNs - p >= probeStaleNs && probeStartNs.compareAndSet(p, stamp);
        if (!won) {
            return false;
        }
        picks.incrementAndGet();
        if (state.get() == CLOSED) {
            // The previous probe closed the circuit between our two reads: this is an ordinary pick.
            probeStartNs.compareAndSet(stamp, NONE);
        } else {
            probes.incrementAndGet();
        }
        return true;
    }

    /** Counts a success: resets the consecutive counts, feeds the TTFT average, closes a probing circuit. */
    void recordSuccess(long ttftNs) {
        successes.incrementAndGet();
        consecutiveFailures.set(0);
        consecutiveConnectFailures.set(0);
        if (ttftNs > 0) {
            while (true) {
                long old = ewmaTtftNs.get();
                long next = old == 0 ? ttftNs : Math.max(1, old + (ttftNs - old) / 5);
                if (ewmaTtftNs.compareAndSet(old, next)) {
                    break;
                }
            }
        }
        if (state.get() != CLOSED && probeInFlight()) {
            // Closed before the probe slot is released, so no second probe slips in between.
            ejections.set(0);
            state.set(CLOSED);
            probeStartNs.set(NONE);
        }
    }

    /** Counts a failure; returns whether an ejection may be due (checked again by {@link #ejectIfDue}). */
    boolean recordFailure(FailureKind kind, CircuitSettings circuit) {
        boolean due;
        if (kind == FailureKind.CONNECT) {
            connectFailures.incrementAndGet();
            due = consecutiveConnectFailures.incrementAndGet() >= circuit.connectFailures();
        } else {
            (kind == FailureKind.TIMEOUT ? timeouts : upstreamFailures).incrementAndGet();
            due = consecutiveFailures.incrementAndGet() >= circuit.failures();
        }
        return state.get() == CLOSED ? due : probeInFlight();
    }

    /**
     * Opens the circuit for base x n (capped) when a consecutive count reached its threshold while closed, or when
     * a probe is in flight while open (the probe failed). The caller serialises calls per route.
     */
    boolean ejectIfDue(long nowNs, CircuitSettings circuit) {
        if (state.get() == CLOSED) {
            if (consecutiveFailures.get() < circuit.failures()
                    && consecutiveConnectFailures.get() < circuit.connectFailures()) {
                return false;
            }
        } else if (!probeInFlight()) {
            return false;
        }
        int n = ejections.incrementAndGet();
        ejectedUntilNs = nowNs + circuit.ejectionNs(n);
        consecutiveFailures.set(0);
        consecutiveConnectFailures.set(0);
        state.set(OPEN);
        probeStartNs.set(NONE);
        return true;
    }

    /** Frees the probe slot without judging the deployment (a neutral end, or a failure that may not eject). */
    void releaseProbe() {
        probeStartNs.set(NONE);
    }

    @Override
    public String toString() {
        return "DeploymentHealth{state=" + (state.get() == CLOSED ? "closed" : "open") + ", ejections="
                + ejections.get() + ", successes=" + successes.get() + ", upstreamFailures=" + upstreamFailures.get()
                + ", connectFailures=" + connectFailures.get() + ", timeouts=" + timeouts.get() + ", picks="
                + picks.get() + ", probes=" + probes.get() + ", ewmaTtftNs=" + ewmaTtftNs.get() + '}';
    }
}
