package dev.sluice.routing.admission.internal;

import dev.sluice.routing.admission.BudgetPeriod;

import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The counters of one scope in this process: requests and tokens per minute, requests in flight, and the budget
 * of its period (created on first use). Thread-safe.
 */
public final class ScopeCounters {
    /** The scope's {@code kind:id}, for messages. */
    public final String name;
    public final SlidingWindow requests = new SlidingWindow();
    public final SlidingWindow tokens = new SlidingWindow();
    public final AtomicLong inFlight = new AtomicLong();
    private volatile BudgetCounter budget;

    public ScopeCounters(String name) {
        this.name = name;
    }

    /**
     * Returns the budget counter for this period kind and zone, creating it (starting at {@code seedMicros} for the
     * period containing {@code seedMs}, -1 for no seed) on first use or when the kind or zone changed.
     */
    public BudgetCounter budget(BudgetPeriod kind, ZoneId zone, long nowMs, long seedMicros, long seedMs) {
        BudgetCounter b = budget;
        if (b != null && b.kind() == kind && b.zone().equals(zone)) {
            return b;
        }
        synchronized (this) {
            b = budget;
            if (b == null || b.kind() != kind || !b.zone().equals(zone)) {
                b = new BudgetCounter(kind, zone, nowMs, seedMicros, seedMs);
                budget = b;
            }
            return b;
        }
    }

    /** Returns the budget counter, or {@code null} when no request with a budget came yet. */
    public BudgetCounter budgetOrNull() {
        return budget;
    }
}
