package dev.sluice.routing.admission;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.TemporalAdjusters;

import static java.util.Objects.requireNonNull;

/**
 * Calendar periods of budgets, aligned in a time zone: a day from midnight, a week from Monday midnight, a month
 * from the first at midnight. Thread-safe (stateless).
 */
public final class BudgetPeriods {
    private BudgetPeriods() {
    }

    /** Returns the epoch milliseconds at which the period containing {@code nowMs} starts. */
    public static long startMs(BudgetPeriod period, long nowMs, ZoneId zone) {
        return firstDay(period, nowMs, zone).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** Returns the epoch milliseconds at which the period containing {@code nowMs} ends (the next one starts). */
    public static long endMs(BudgetPeriod period, long nowMs, ZoneId zone) {
        LocalDate first = firstDay(period, nowMs, zone);
        LocalDate next = switch (requireNonNull(period, "period")) {
            case DAY -> first.plusDays(1);
            case WEEK -> first.plusWeeks(1);
            case MONTH -> first.plusMonths(1);
        };
        return next.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    private static LocalDate firstDay(BudgetPeriod period, long nowMs, ZoneId zone) {
        requireNonNull(zone, "zone");
        LocalDate today = Instant.ofEpochMilli(nowMs).atZone(zone).toLocalDate();
        return switch (requireNonNull(period, "period")) {
            case DAY -> today;
            case WEEK -> today.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            case MONTH -> today.withDayOfMonth(1);
        };
    }
}
