package dev.sluice.proxy.internal;

import dev.sluice.routing.admission.BudgetWatch;

import java.util.List;
import java.util.Locale;

/**
 * The budgets in a scrape (spend this period, thresholds, whether the soft one is passed, alerts so far) and the
 * text of a soft-threshold alert's journal record. Thread-safe (stateless).
 */
public final class BudgetMetrics {
    private BudgetMetrics() {
    }

    /** {@code spent 0.61 of soft 0.5 this day (hard 1)}: the detail of an alert's ADMIN record. */
    public static String detail(BudgetWatch.SoftAlert a) {
        return "spent " + money(a.spentMicros()) + " of soft " + money(a.softMicros()) + " this "
                + a.period().configName() + (a.hardMicros() >= 0 ? " (hard " + money(a.hardMicros()) + ")" : "");
    }

    static void render(BudgetWatch watch, long nowMs, MetricsText m) {
        List<BudgetWatch.Use> uses = watch.uses(nowMs);
        m.family("sluice_budget_spent", "gauge", "A budget's spend in its current period (currency of the prices), "
                + "per scope (key:, team:, project:, model:, agent:, shadow:) and period, as this gateway's settles "
                + "last saw it.");
        for (BudgetWatch.Use u : uses) {
            m.sample("sluice_budget_spent", u.spentMicros() / 1e6, "scope", u.scope(), "period",
                    u.period().configName());
        }
        m.family("sluice_budget_limit", "gauge", "A budget's thresholds, per scope, period and kind: hard (refused "
                + "past it) or soft (alerted past it).");
        for (BudgetWatch.Use u : uses) {
            if (u.hardMicros() >= 0) {
                m.sample("sluice_budget_limit", u.hardMicros() / 1e6, "scope", u.scope(), "period",
                        u.period().configName(), "kind", "hard");
            }
            if (u.softMicros() >= 0) {
                m.sample("sluice_budget_limit", u.softMicros() / 1e6, "scope", u.scope(), "period",
                        u.period().configName(), "kind", "soft");
            }
        }
        m.family("sluice_budget_soft_exceeded", "gauge", "1 while a budget's spend this period is at or past its "
                + "soft threshold: the alert (see conf/prometheus-alerts.yml).");
        for (BudgetWatch.Use u : uses) {
            if (u.softMicros() >= 0) {
                m.sample("sluice_budget_soft_exceeded", u.spentMicros() >= u.softMicros() ? 1 : 0, "scope",
                        u.scope(), "period", u.period().configName());
            }
        }
        m.family("sluice_budget_soft_alerts_total", "counter", "Soft thresholds this gateway saw crossed (once per "
                + "budget and period in a cluster; each is also an ADMIN record, action budget.soft_threshold).")
                .sample("sluice_budget_soft_alerts_total", watch.softAlerts());
    }

    private static String money(long micros) {
        String s = String.format(Locale.ROOT, "%.6f", micros / 1e6);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
