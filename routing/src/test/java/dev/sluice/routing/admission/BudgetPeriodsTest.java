package dev.sluice.routing.admission;

import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZonedDateTime;

import static org.assertj.core.api.Assertions.assertThat;

class BudgetPeriodsTest {
    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
    // Wednesday 4 March 2026, 10:30 in Paris (UTC+1).
    private static final long NOW = ZonedDateTime.of(2026, 3, 4, 10, 30, 0, 0, PARIS).toInstant().toEpochMilli();

    private static long at(int year, int month, int day) {
        return ZonedDateTime.of(year, month, day, 0, 0, 0, 0, PARIS).toInstant().toEpochMilli();
    }

    @Test
    void shouldStartADayAtMidnightInTheZone() {
        assertThat(BudgetPeriods.startMs(BudgetPeriod.DAY, NOW, PARIS)).isEqualTo(at(2026, 3, 4));
        assertThat(BudgetPeriods.endMs(BudgetPeriod.DAY, NOW, PARIS)).isEqualTo(at(2026, 3, 5));
    }

    @Test
    void shouldStartAWeekOnMonday() {
        assertThat(BudgetPeriods.startMs(BudgetPeriod.WEEK, NOW, PARIS)).isEqualTo(at(2026, 3, 2));
        assertThat(BudgetPeriods.endMs(BudgetPeriod.WEEK, NOW, PARIS)).isEqualTo(at(2026, 3, 9));
        long monday = at(2026, 3, 9);
        assertThat(BudgetPeriods.startMs(BudgetPeriod.WEEK, monday, PARIS)).isEqualTo(monday);
    }

    @Test
    void shouldStartAMonthOnTheFirstAndEndAcrossADaylightSavingChange() {
        assertThat(BudgetPeriods.startMs(BudgetPeriod.MONTH, NOW, PARIS)).isEqualTo(at(2026, 3, 1));
        long end = BudgetPeriods.endMs(BudgetPeriod.MONTH, NOW, PARIS);
        assertThat(end).isEqualTo(at(2026, 4, 1));
        // March 2026 in Paris has 31 days less one hour (summer time starts on the 29th).
        assertThat(end - at(2026, 3, 1)).isEqualTo((31L * 24 - 1) * 3_600_000);
    }

    @Test
    void shouldAlignInTheGivenZoneNotInUtc() {
        long lateEvening = ZonedDateTime.of(2026, 3, 4, 23, 30, 0, 0, ZoneId.of("UTC")).toInstant().toEpochMilli();
        assertThat(BudgetPeriods.startMs(BudgetPeriod.DAY, lateEvening, PARIS)).isEqualTo(at(2026, 3, 5));
    }
}
