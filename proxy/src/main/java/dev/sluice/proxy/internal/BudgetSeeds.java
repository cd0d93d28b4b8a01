package dev.sluice.proxy.internal;

import dev.sluice.journal.SpendEntry;
import dev.sluice.journal.SpendLedger;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Project;
import dev.sluice.routing.config.Shadow;
import dev.sluice.routing.config.Team;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.HashMap;
import java.util.Map;

/**
 * The spend of every budget's current period, rebuilt from the journal's END records at startup: the journal is
 * the ledger, so a restarted gateway's budgets carry on where they were. Thread-safe (stateless).
 */
public final class BudgetSeeds {
    private BudgetSeeds() {
    }

    /** Returns the settled spend per budget ({@code kind:id}) in the periods containing {@code nowMs}. */
    public static Map<String, Long> fromJournal(GatewayConfig config, Path journalDir, long nowMs) {
        Map<String, Long> out = new HashMap<>();
        if (!Files.isDirectory(journalDir)) {
            return out;
        }
        ZoneId zone = config.governance().zone();
        long day = periodStart(BudgetPeriod.DAY, nowMs, zone);
        long week = periodStart(BudgetPeriod.WEEK, nowMs, zone);
        long month = periodStart(BudgetPeriod.MONTH, nowMs, zone);
        Map<String, ApiKey> keys = new HashMap<>();
        for (ApiKey k : config.keys().keys()) {
            keys.put(k.id(), k);
        }
        SpendLedger.read(journalDir, Math.min(week, month), e -> {
            if (!e.costKnown() || e.costMicros() <= 0) {
                return;
            }
            if (e.shadowSource() != null) {
                // A shadow request is billed to its declaration's scope only, as it was admitted.
                Shadow sh = config.shadowOf(e.shadowSource());
                add(out, Shadow.SCOPE_KIND + ":", e.shadowSource(), sh == null ? null : sh.budget(), e, day, week,
                        month);
                return;
            }
            ApiKey k = e.keyId() == null ? null : keys.get(e.keyId());
            add(out, "key:", e.keyId(), k == null ? null : k.budget(), e, day, week, month);
            Team t = e.team() == null ? null : config.team(e.team());
            add(out, "team:", e.team(), t == null ? null : t.budget(), e, day, week, month);
            Project p = e.project() == null ? null : config.projects().get(e.project());
            add(out, "project:", e.project(), p == null ? null : p.budget(), e, day, week, month);
            AgentCatalog.Agent a = e.agent() == null ? null : config.agents().agent(e.agent());
            add(out, "agent:", e.agent(), a == null ? null : a.files().settings().budget(), e, day, week, month);
        });
        return out;
    }

    private static void add(Map<String, Long> out, String kind, String id, Budget b, SpendEntry e, long day,
                            long week, long month) {
        if (b == null || id == null) {
            return;
        }
        long start = b.period() == BudgetPeriod.DAY ? day : b.period() == BudgetPeriod.WEEK ? week : month;
        if (e.wallMs() >= start) {
            out.merge(kind + id, e.costMicros(), Long::sum);
        }
    }

    /** The start of the calendar period containing {@code nowMs} in {@code zone} (weeks start on Monday). */
    static long periodStart(BudgetPeriod period, long nowMs, ZoneId zone) {
        ZonedDateTime now = Instant.ofEpochMilli(nowMs).atZone(zone);
        ZonedDateTime start;
        switch (period) {
            case DAY:
                start = now.toLocalDate().atStartOfDay(zone);
                break;
            case WEEK:
                start = now.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone);
                break;
            default:
                start = now.toLocalDate().withDayOfMonth(1).atStartOfDay(zone);
                break;
        }
        return start.toInstant().toEpochMilli();
    }
}
