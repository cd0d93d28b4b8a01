package dev.sluice.journal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.SpendDimension;
import dev.sluice.journal.SpendReport;
import dev.sluice.journal.SpendRow;
import dev.sluice.journal.SpendWorkload;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class SpendCommandTest {
    private static final Instant T0 = Instant.parse("2026-11-20T08:00:00Z");
    private static final long STEP_MICROS = 7 * 60 * 1_000_000L;
    // "Now" for the command: within the workload's month.
    private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dataDir;

    // Costs as BigDecimal: a double loses the last micro of large sums (cost_micros is exact anyway).
    private final ObjectMapper mapper = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private Path journalDir;

    @BeforeEach
    void writeJournal() throws Exception {
        journalDir = dataDir.resolve("journal");
        SpendWorkload.write(journalDir, 11, 1500, T0.getEpochSecond() * 1_000_000L, STEP_MICROS);
    }

    private static final class Run {
        int exitCode;
        String out;
        String err;

        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\r?\n"));
        }
    }

    private Run spend(String... args) {
        return spendIn(dataDir, args);
    }

    private Run spendIn(Path dir, String... args) {
        SpendCommand command = new SpendCommand();
        command.clock = NOW;
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("--data-dir", dir.toString()));
        all.addAll(List.of(args));
        Run run = new Run();
        run.exitCode = cli.execute(all.toArray(new String[0]));
        run.out = out.toString();
        run.err = err.toString();
        return run;
    }

    @Test
    @Timeout(60)
    void shouldPrintATableWithATotalRowAndSixDecimals() {
        SpendReport report = SpendReport.read(journalDir, SpendDimension.TEAM, Long.MIN_VALUE);
        Run run = spend();
        assertThat(run.exitCode).isZero();
        List<String> lines = run.lines();
        assertThat(lines.get(0)).isEqualTo("spend by team since 2026-11-01T00:00:00Z (days in UTC)");
        assertThat(lines.get(1).split(" +")).containsExactly("TEAM", "REQUESTS", "COST", "UNPRICED", "TOKENS_IN",
            "TOKENS_OUT", "TOKENS_CACHED", "ESTIMATED");
        assertThat(lines).hasSize(2 + report.rows().size() + 2);
        for (int i = 0; i < report.rows().size(); i++) {
            assertThat(lines.get(2 + i).split(" +")).containsExactly(cells(report.rows().get(i).key(),
                report.rows().get(i)));
        }
        String total = lines.get(2 + report.rows().size());
        assertThat(total.split(" +")).containsExactly(cells("TOTAL", report.total()));
        assertThat(total.split(" +")[2]).matches("\\d+\\.\\d{6}");
        assertThat(lines.get(lines.size() - 1)).isEqualTo(report.unfinishedRequests()
            + " request(s) without an end record not counted");
        // Numbers right-aligned: every line of the table has the same length.
        assertThat(lines.subList(1, lines.size() - 1)).extracting(String::length).containsOnly(lines.get(1).length());
    }

    private static String[] cells(String key, SpendRow row) {
        return new String[] {key, Long.toString(row.requests()), BigDecimal.valueOf(row.costMicros(), 6)
            .toPlainString(), Long.toString(row.unpricedRequests()), Long.toString(row.tokensIn()),
            Long.toString(row.tokensOut()), Long.toString(row.tokensCached()), Long.toString(row.estimatedRequests())};
    }

    @Test
    @Timeout(60)
    void shouldWriteOneJsonObjectWithGroupsAndTotal() throws Exception {
        long sinceMs = Instant.parse("2026-11-23T00:00:00Z").toEpochMilli();
        SpendReport report = SpendReport.read(journalDir, SpendDimension.MODEL, sinceMs);
        Run run = spend("--by", "model", "--since", "2026-11-23", "--json");
        assertThat(run.exitCode).isZero();
        assertThat(run.lines()).hasSize(1);
        JsonNode root = mapper.readTree(run.out);
        assertThat(root.get("by").asText()).isEqualTo("model");
        assertThat(root.get("since").asText()).isEqualTo("2026-11-23T00:00:00Z");
        assertThat(root.get("zone").asText()).isEqualTo("UTC");
        JsonNode groups = root.get("groups");
        assertThat(groups).hasSize(report.rows().size()).hasSize(SpendWorkload.MODELS.length);
        long costMicros = 0;
        for (int i = 0; i < groups.size(); i++) {
            JsonNode g = groups.get(i);
            SpendRow row = report.rows().get(i);
            assertThat(g.get("key").asText()).isEqualTo(row.key());
            assertThat(g.get("requests").asLong()).isEqualTo(row.requests());
            assertThat(g.get("cost_micros").asLong()).isEqualTo(row.costMicros());
            assertThat(g.get("cost").decimalValue()).isEqualByComparingTo(BigDecimal.valueOf(row.costMicros(), 6));
            assertThat(g.get("unpriced_requests").asLong()).isEqualTo(row.unpricedRequests());
            assertThat(g.get("tokens_in").asLong()).isEqualTo(row.tokensIn());
            assertThat(g.get("tokens_out").asLong()).isEqualTo(row.tokensOut());
            assertThat(g.get("tokens_cached").asLong()).isEqualTo(row.tokensCached());
            assertThat(g.get("estimated_requests").asLong()).isEqualTo(row.estimatedRequests());
            costMicros += g.get("cost_micros").asLong();
        }
        JsonNode total = root.get("total");
        assertThat(total.get("cost_micros").asLong()).isEqualTo(costMicros).isEqualTo(report.total().costMicros());
        assertThat(total.get("requests").asLong()).isEqualTo(report.total().requests());
        assertThat(root.get("unfinished_requests").asLong()).isEqualTo(report.unfinishedRequests());
    }

    @Test
    @Timeout(60)
    void shouldWriteCsvWithQuotedKeysAndTheTotalLast() {
        SpendReport report = SpendReport.read(journalDir, SpendDimension.USE_CASE, Long.MIN_VALUE);
        Run run = spend("--by", "use-case", "--since", "2026-01-01T00:00:00Z", "--csv");
        assertThat(run.exitCode).isZero();
        assertThat(run.out).contains("\r\n");
        List<String> lines = run.lines();
        assertThat(lines.get(0)).isEqualTo("use-case,requests,cost,cost_micros,unpriced_requests,tokens_in,tokens_out,"
            + "tokens_cached,estimated_requests");
        assertThat(lines).hasSize(report.rows().size() + 2);
        assertThat(lines).anyMatch(l -> l.startsWith("\"classify, fast\","));
        SpendRow t = report.total();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("," + t.requests() + ","
            + BigDecimal.valueOf(t.costMicros(), 6).toPlainString() + "," + t.costMicros() + ","
            + t.unpricedRequests() + "," + t.tokensIn() + "," + t.tokensOut() + "," + t.tokensCached() + ","
            + t.estimatedRequests());
    }

    @Test
    @Timeout(60)
    void shouldGroupDaysInTheZoneAndReadRelativeSince() throws Exception {
        Run utc = spend("--by", "day", "--since", "30d", "--json");
        Run tokyo = spend("--by", "day", "--since", "30d", "--tz", "Asia/Tokyo", "--json");
        JsonNode u = mapper.readTree(utc.out);
        JsonNode t = mapper.readTree(tokyo.out);
        assertThat(u.get("since").asText()).isEqualTo("2026-10-28T12:00:00Z");
        // 08:00 UTC on the 20th is 17:00 in Tokyo: same first day, but the last request moves a day on.
        assertThat(u.get("groups").get(0).get("key").asText()).isEqualTo("2026-11-20");
        assertThat(t.get("zone").asText()).isEqualTo("Asia/Tokyo");
        SpendReport expected = SpendReport.read(journalDir, SpendDimension.DAY, Long.MIN_VALUE, ZoneId.of("Asia/Tokyo"));
        assertThat(t.get("groups")).hasSize(expected.rows().size());
        assertThat(t.get("total").get("cost_micros").asLong()).isEqualTo(u.get("total").get("cost_micros").asLong());
        // Default since is the start of the month in --tz.
        assertThat(mapper.readTree(spend("--json", "--tz", "+02:00").out).get("since").asText())
            .isEqualTo("2026-10-31T22:00:00Z");
    }

    @Test
    @Timeout(30)
    void shouldFailWithoutJournalAndOnBadOptions() {
        Run none = spendIn(dataDir.resolve("nowhere"));
        assertThat(none.exitCode).isEqualTo(1);
        assertThat(none.err).contains("no journal in");
        assertThat(spend("--by", "colour").exitCode).isEqualTo(2);
        assertThat(spend("--tz", "Mars/Olympus").exitCode).isEqualTo(2);
        assertThat(spend("--since", "yesterday").exitCode).isEqualTo(2);
        Run both = spend("--json", "--csv");
        assertThat(both.exitCode).isEqualTo(2);
        assertThat(both.err).contains("choose one");
    }
}
