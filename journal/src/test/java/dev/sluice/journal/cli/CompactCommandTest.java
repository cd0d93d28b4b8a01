package dev.sluice.journal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.RequestRecord;
import dev.sluice.journal.ResponsePartRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code journal compact}: the summary as JSON on stdout, a line per cycle on stderr, a clear refusal without a key. */
class CompactCommandTest {
    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = new CommandLine(new JournalCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    private void writeTwoCycles(Path data) throws Exception {
        try (Journal journal = Journal.open(JournalSettings.builder(data.resolve("journal")).mode(JournalMode.DIRECT)
            .rollCycle("TEST_SECONDLY").signingKeyFile(data.resolve(VerifyCommand.DEFAULT_KEY_FILE)).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            ResponsePartRecord part = new ResponsePartRecord();
            byte[] bytes = "data: {}\n\n".getBytes(StandardCharsets.US_ASCII);
            for (int cycle = 0; cycle < 2; cycle++) {
                long second = System.currentTimeMillis() / 1000;
                await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
                long id = cycle + 1;
                producer.append(request.reset().requestId(id).wallTimeMicros(System.currentTimeMillis() * 1000)
                    .body(bytes, 0, bytes.length, false));
                for (int s = 0; s < 4; s++) {
                    producer.append(part.set(id, System.currentTimeMillis() * 1000, s, bytes, 0, bytes.length));
                }
            }
        }
    }

    @Test
    @Timeout(60)
    void shouldPrintTheSummaryAsJsonAndProgressOnStderr() throws Exception {
        Path data = tmp.resolve("data");
        writeTwoCycles(data);
        assertThat(run("compact", "--data-dir", data.toString(), "--json")).as(err.toString()).isZero();
        JsonNode summary = new ObjectMapper().readTree(out.toString());
        assertThat(summary.get("cyclesRewritten").asLong()).isPositive();
        assertThat(summary.get("partsFolded").asLong()).isEqualTo(3);
        // Bytes in use before and after; cycles this small may grow by the two compaction seals.
        assertThat(summary.get("bytesBefore").asLong()).isPositive();
        assertThat(summary.get("bytesAfter").asLong()).isPositive();
        assertThat(err.toString()).contains("compact: 1/").contains("rewritten");
        assertThat(run("verify", "--data-dir", data.toString())).as(out.toString()).isZero();
    }

    @Test
    @Timeout(60)
    void shouldRefuseWithAClearMessageWithoutThePrivateKey() throws Exception {
        Path data = tmp.resolve("data");
        writeTwoCycles(data);
        Path pub = data.resolve(VerifyCommand.DEFAULT_KEY_FILE + ".pub");
        assertThat(Files.exists(pub)).isTrue();
        assertThat(run("compact", "--data-dir", data.toString(), "--key", pub.toString())).isEqualTo(1);
        assertThat(err.toString()).contains("holds the public key only").contains("private key");
        assertThat(run("compact", "--data-dir", tmp.resolve("none").toString())).isEqualTo(1);
        assertThat(err.toString()).contains("no journal in");
    }
}
