package dev.sluice.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestRecord;
import dev.sluice.journal.ResponsePartRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code sluice journal compact} takes the data directory, the signing key and {@code journal.retention} from the
 * gateway's configuration file; an option given on the command line wins over the file.
 */
class CompactConfigTest {
    private static final long DAY_MICROS = 86_400_000_000L;

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        return SluiceCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }

    /** Requests 1 and 2 in a cycle each, 1 written as 40 days old, 2 now; a third cycle keeps the second closed. */
    private static void writeJournal(Path data, Path keyFile) throws Exception {
        try (Journal journal = Journal.open(JournalSettings.builder(data.resolve("journal")).mode(JournalMode.DIRECT)
                .rollCycle("TEST_SECONDLY").signingKeyFile(keyFile).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            ResponsePartRecord part = new ResponsePartRecord();
            byte[] body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] event = "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n".getBytes(StandardCharsets.US_ASCII);
            long now = System.currentTimeMillis() * 1000;
            for (long id = 1; id <= 3; id++) {
                long second = System.currentTimeMillis() / 1000;
                await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
                long wall = id == 1 ? now - 40 * DAY_MICROS : now;
                producer.append(request.reset().requestId(id).wallTimeMicros(wall).body(body, 0, body.length, false));
                for (int s = 0; s < 3; s++) {
                    producer.append(part.set(id, wall + s + 1, s, event, 0, event.length));
                }
            }
        }
    }

    private Path config(Path data, Path keyFile, String bodies) throws Exception {
        Path file = tmp.resolve("sluice.yaml");
        Files.writeString(file, "data_dir: " + data + "\n"
                + "journal:\n"
                + "  signing_key_file: " + keyFile + "\n"
                + "  retention: {bodies: " + bodies + ", records: 400d}\n"
                + "  roll_cycle: TEST_SECONDLY\n");
        return file;
    }

    @Test
    @Timeout(60)
    void shouldTakeTheDataDirectoryKeyAndRetentionFromTheConfiguration() throws Exception {
        Path data = tmp.resolve("elsewhere/data");
        Path keyFile = tmp.resolve("keys/journal.key");
        writeJournal(data, keyFile);
        Path config = config(data, keyFile, "30d");

        assertThat(run("journal", "compact", "--config", config.toString(), "--json")).as(err.toString()).isZero();

        JsonNode summary = new ObjectMapper().readTree(out.toString());
        // Request 1 is 40 days old, past the configured 30 days: its body and its folded answer are dropped.
        assertThat(summary.get("bodiesDropped").asLong()).as(out.toString()).isEqualTo(2);
        assertThat(err.toString()).contains("defaults from " + config).contains("bodies older than 30d dropped")
                .contains("older than 400d removed");
        assertThat(RequestHistory.find(List.of(data.resolve("journal")), 1).requestBodyDigestOnly()).isTrue();
        assertThat(RequestHistory.find(List.of(data.resolve("journal")), 2).requestBodyDigestOnly()).isFalse();
        assertThat(run("journal", "verify", "--data-dir", data.toString(), "--key", keyFile.toString()))
                .as(out.toString()).isZero();
    }

    @Test
    @Timeout(60)
    void shouldLetAnOptionWinOverTheConfiguration() throws Exception {
        Path data = tmp.resolve("data");
        Path keyFile = tmp.resolve("journal.key");
        writeJournal(data, keyFile);
        Path config = config(data, keyFile, "30d");

        assertThat(run("journal", "compact", "--config", config.toString(), "--bodies-older-than", "60d", "--json"))
                .as(err.toString()).isZero();

        assertThat(new ObjectMapper().readTree(out.toString()).get("bodiesDropped").asLong()).isZero();
        assertThat(err.toString()).contains("bodies older than 60d dropped");
        assertThat(RequestHistory.find(List.of(data.resolve("journal")), 1).requestBodyDigestOnly()).isFalse();
    }

    @Test
    @Timeout(60)
    void shouldRefuseAnInvalidConfigurationWithItsReason() throws Exception {
        Path data = tmp.resolve("data");
        Path keyFile = tmp.resolve("journal.key");
        writeJournal(data, keyFile);
        Path config = config(data, keyFile, "forever");

        assertThat(run("journal", "compact", "--config", config.toString())).isEqualTo(1);

        assertThat(err.toString()).contains("compact: invalid configuration").contains("journal.retention.bodies");
    }
}
