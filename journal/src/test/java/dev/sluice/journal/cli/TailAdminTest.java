package dev.sluice.journal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.AdminOutcome;
import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TailAdminTest {
    private static final long T0 = micros("2026-11-26T10:00:00Z");

    @TempDir
    Path dataDir;

    @BeforeEach
    void writeJournal() throws Exception {
        try (Journal journal = Journal.open(JournalSettings.builder(dataDir.resolve("journal"))
            .mode(JournalMode.DIRECT).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            journal.appendAdmin(new AdminRecord(T0, "admin", "key.create", "key_1", AdminOutcome.OK, "team research"));
            producer.append(new RequestRecord().requestId(1).wallTimeMicros(T0 + 1).team("research"));
            producer.append(new EndRecord().requestId(1).wallTimeMicros(T0 + 2).status(200).outcome(Outcome.OK));
            journal.appendAdmin(new AdminRecord(T0 + 60_000_000L, "team:research", "key.disable", "key_2",
                AdminOutcome.DENIED, ""));
            journal.appendAdmin(new AdminRecord(T0 + 120_000_000L, "admin", "key.revoke", "key_9",
                AdminOutcome.NOT_FOUND, "no such key"));
        }
    }

    private String[] tail(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new TailCommand());
        cli.setOut(new PrintWriter(out, true));
        String[] all = new String[args.length + 3];
        all[0] = "--data-dir";
        all[1] = dataDir.toString();
        all[2] = "--admin";
        System.arraycopy(args, 0, all, 3, args.length);
        assertThat(cli.execute(all)).isZero();
        return out.toString().split("\n");
    }

    @Test
    @Timeout(30)
    void shouldPrintAdminRecordsAsAlignedLines() {
        List<String> lines = Arrays.asList(tail());
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0).split(" +")).containsExactly("TIME", "ACTOR", "ACTION", "TARGET", "OUTCOME", "DETAIL");
        assertThat(lines.get(1)).startsWith("2026-11-26T10:00:00.000Z").contains(" admin ", " key.create ",
            " key_1 ", " ok ").endsWith("team research");
        assertThat(lines.get(2)).contains("team:research", "key.disable", "key_2", "denied").endsWith(" -");
        assertThat(lines.get(3)).contains("key.revoke", "key_9", "not_found", "no such key");
        int outcome = lines.get(0).indexOf("OUTCOME");
        assertThat(lines.get(3).substring(outcome)).startsWith("not_found");
        assertThat(Arrays.asList(tail("-n", "1", "--since", "2026-11-26T10:01:00Z"))).hasSize(2)
            .last().asString().contains("key_9");
    }

    @Test
    @Timeout(30)
    void shouldWriteAdminRecordsAsJson() throws Exception {
        String[] lines = tail("--json");
        assertThat(lines).hasSize(3);
        JsonNode first = new ObjectMapper().readTree(lines[0]);
        assertThat(first.get("type").asText()).isEqualTo("admin");
        assertThat(first.get("time").asText()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(first.get("actor").asText()).isEqualTo("admin");
        assertThat(first.get("action").asText()).isEqualTo("key.create");
        assertThat(first.get("target").asText()).isEqualTo("key_1");
        assertThat(first.get("outcome").asText()).isEqualTo("ok");
        assertThat(first.get("detail").asText()).isEqualTo("team research");
        assertThat(new ObjectMapper().readTree(lines[1]).get("outcome").asText()).isEqualTo("denied");
    }

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
