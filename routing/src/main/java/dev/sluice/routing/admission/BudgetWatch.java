package dev.sluice.routing.admission;

import static java.util.Objects.requireNonNull;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The spend of each budget as settles report it, and its soft threshold as an alert. An admission calls
 * {@link #spent} after adding a settled cost to a budget, with the spend that addition left (from its own counter,
 * or from Redis's, where the settle script returns it): the one settle whose cost carried the spend from below the
 * soft threshold to it or past raises the alert, so a threshold is crossed once per period however many settles
 * race, and in a cluster on one gateway only. An alert is a warning in the log, a count, and a call to the
 * listener (the gateway journals it); {@link #uses} lists every budget's spend in its current period, for gauges.
 * <p>
 * A gateway in a cluster knows the spend its own settles returned: the latest of the cluster's when this gateway
 * settles often, older when it settles little. Thread-safe; {@link #spent} allocates only a budget's first time.
 */
public final class BudgetWatch {
    private static final Logger LOG = LoggerFactory.getLogger(BudgetWatch.class);

    private final ConcurrentHashMap<String, Entry> budgets = new ConcurrentHashMap<>();
    private final LongAdder alerts = new LongAdder();
    private volatile Consumer<SoftAlert> listener = a -> { };

    /** One budget's crossing of its soft threshold. */
    public record SoftAlert(String scope, BudgetPeriod period, long periodStartMs, long spentMicros,
                            long softMicros, long hardMicros) {
    }

    /** One budget's spend in its current period and its thresholds ({@code -1} for none). */
    public record Use(String scope, BudgetPeriod period, long spentMicros, long softMicros, long hardMicros) {
    }

    /** Calls {@code l} on the settling thread for each alert (it must not block). */
    public void onSoftAlert(Consumer<SoftAlert> l) {
        this.listener = requireNonNull(l, "l");
    }

    /**
     * Reports that scope {@code scope}'s budget, in the period containing {@code atMs} (the request's admission time)
     * in {@code zone}, has spent {@code spentMicros} after a settle added {@code costMicros} to it.
     */
    public void spent(Scope scope, long atMs, ZoneId zone, long spentMicros, long costMicros) {
        Budget b = scope.budget();
        if (b == null || spentMicros < 0) {
            return;
        }
        String name = scope.counterKey();
        Entry e = budgets.get(name);
        if (e == null) {
            e = budgets.computeIfAbsent(name, Entry::new);
        }
        long start = e.update(b, atMs, zone, spentMicros);
        long soft = b.softMicros();
        if (soft >= 0 && spentMicros >= soft && spentMicros - Math.max(0, costMicros) < soft) {
            alerts.increment();
            LOG.warn("Budget of {} passed its soft threshold: {} spent this {} (soft {})", name,
                    Refusals.money(spentMicros), b.period().configName(), Refusals.money(soft));
            listener.accept(new SoftAlert(name, b.period(), start, spentMicros, soft, b.hardMicros()));
        }
    }

    /** Returns how many times a budget passed its soft threshold here (once per budget and period). */
    public long softAlerts() {
        return alerts.sum();
    }

    /** Every budget this process has seen spend on, with its spend in the period containing {@code nowMs}. */
    public List<Use> uses(long nowMs) {
        List<Use> out = new ArrayList<>(budgets.size());
        for (Entry e : budgets.values()) {
            Use u = e.use(nowMs);
            if (u != null) {
                out.add(u);
            }
        }
        out.sort((a, b) -> a.scope().compareTo(b.scope()));
        return out;
    }

    /** One budget: its thresholds as last configured, and the spend of its latest period. Thread-safe. */
    private static final class Entry {
        private final String scope;
        private Budget budget;
        private ZoneId zone;
        private long startMs;
        private long endMs;
        private long spent;

        Entry(String scope) {
            this.scope = scope;
        }

        /** Records the spend of the period containing {@code atMs}; returns that period's start. */
        synchronized long update(Budget b, long atMs, ZoneId z, long spentMicros) {
            boolean sameKind = budget != null && budget.period() == b.period() && z.equals(zone);
            budget = b;
            if (sameKind && atMs >= startMs && atMs < endMs) {
                // Settles of one period may come back out of order: the spend only grows.
                spent = Math.max(spent, spentMicros);
                return startMs;
            }
            // Another period: its bounds are worked out once.
            long start = BudgetPeriods.startMs(b.period(), atMs, z);
            if (!sameKind || start > startMs) {
                zone = z;
                startMs = start;
                endMs = BudgetPeriods.endMs(b.period(), atMs, z);
                spent = spentMicros;
            }
            // Otherwise a late settle of a period already over: the current one's spend stays.
            return start;
        }

        synchronized Use use(long nowMs) {
            if (budget == null) {
                return null;
            }
            long s = nowMs >= startMs && nowMs < endMs ? spent : nowMs >= endMs ? 0 : spent;
            return new Use(scope, budget.period(), s, budget.softMicros(), budget.hardMicros());
        }
    }
}
