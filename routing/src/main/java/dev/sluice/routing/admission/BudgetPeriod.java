package dev.sluice.routing.admission;

import java.util.Locale;

/** The calendar period a budget covers, aligned in the configured time zone. Thread-safe (immutable). */
public enum BudgetPeriod {
    DAY, WEEK, MONTH;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
