package dev.sluice.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

class BudgetWatchTest {
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final Scope TEAM = new Scope("team", "t", Limits.NONE, new Budget(BudgetPeriod.DAY, 1_000, 500));
    private static final long DAY1 = Instant.parse("2026-03-10T10:00:00Z").toEpochMilli();
    private static final long DAY2 = Instant.parse("2026-03-11T09:00:00Z").toEpochMilli();

    @Test
    void shouldAlertOnlyTheSettleThatCarriesTheSpendPastTheSoftThreshold() {
        BudgetWatch w = new BudgetWatch();
        List<BudgetWatch.SoftAlert> alerts = new ArrayList<>();
        w.onSoftAlert(alerts::add);
        // Settles of one period as Redis returns them, out of order: 200, 400 (late), 600 (crossed), 800.
        w.spent(TEAM, DAY1, UTC, 200, 200);
        w.spent(TEAM, DAY1, UTC, 600, 200);
        w.spent(TEAM, DAY1, UTC, 400, 200);
        w.spent(TEAM, DAY1, UTC, 800, 200);
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.scope()).isEqualTo("team:t");
            assertThat(a.spentMicros()).isEqualTo(600);
            assertThat(a.periodStartMs()).isEqualTo(Instant.parse("2026-03-10T00:00:00Z").toEpochMilli());
        });
        assertThat(w.uses(DAY1)).singleElement().isEqualTo(new BudgetWatch.Use("team:t", BudgetPeriod.DAY, 800, 500,
                1_000));
        // The next day starts at nothing until a settle says otherwise; a late settle of the day before changes it not.
        assertThat(w.uses(DAY2).get(0).spentMicros()).isZero();
        w.spent(TEAM, DAY2, UTC, 100, 100);
        w.spent(TEAM, DAY1, UTC, 900, 100);
        assertThat(w.uses(DAY2).get(0).spentMicros()).isEqualTo(100);
        // A single settle larger than the threshold crosses it too; one that starts past it does not.
        w.spent(TEAM, DAY2, UTC, 700, 600);
        w.spent(TEAM, DAY2, UTC, 900, 200);
        assertThat(alerts).hasSize(2);
        assertThat(w.softAlerts()).isEqualTo(2);
    }

    @Test
    void shouldIgnoreScopesWithoutABudgetAndUnknownSpend() {
        BudgetWatch w = new BudgetWatch();
        w.spent(new Scope("key", "k", Limits.NONE, null), DAY1, UTC, 100, 100);
        w.spent(TEAM, DAY1, UTC, -1, 100);
        assertThat(w.uses(DAY1)).isEmpty();
        assertThat(w.softAlerts()).isZero();
    }
}
