package dev.sluice.journal.cli;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TailAttemptsTest {
    private static final long T0 = 1_795_000_000_000_000L;

    @TempDir
    Path dataDir;

    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "tail-attempts"));
    private final ObjectMapper mapper = new ObjectMapper();
    private Journal journal;

    @BeforeEach
    void writeJournal() throws Exception {
        journal = Journal.open(JournalSettings.builder(dataDir.resolve("journal")).build());
        JournalProducer producer = journal.newProducer(loop);
        long last = loop.submit(() -> {
            RequestRecord r = new RequestRecord();
            EndRecord e = new EndRecord();
            producer.append(request(r, 1));
            producer.append(e.reset().requestId(1).wallTimeMicros(T0 + 1).status(200).outcome(Outcome.OK)
                .provider("mock").servedModel("m")
                .addAttempt("mock-a/m", AttemptOutcome.CONNECT_REFUSED, 0, 1_250, false)
                .addAttempt("mock-b/m", AttemptOutcome.STATUS, 503, 2_000, false)
                .addAttempt("mock-c/m", AttemptOutcome.RESET, 0, 3_000, true)
                .addAttempt("mock-d/m", AttemptOutcome.OK, 200, 400_500, false));
            producer.append(request(r, 2));
            producer.append(e.reset().requestId(2).wallTimeMicros(T0 + 2).status(200).outcome(Outcome.OK)
                .provider("mock").servedModel("m").addAttempt("mock-a/m", AttemptOutcome.OK, 200, 9_000, false));
            producer.append(request(r, 3));
            e.reset().requestId(3).wallTimeMicros(T0 + 3).status(503).outcome(Outcome.NO_DEPLOYMENT);
            for (int i = 0; i < 18; i++) {
                e.addAttempt("d" + i, AttemptOutcome.CONNECT_TIMEOUT, 0, -1, false);
            }
            return producer.append(e);
        }).get(10, SECONDS);
        await().atMost(10, SECONDS).until(() -> producer.isDurable(last));
        journal.close();
    }

    @AfterEach
    void tearDown() throws Exception {
        journal.close();
        loop.shutdownNow();
        loop.awaitTermination(10, SECONDS);
    }

    private static RequestRecord request(RequestRecord r, long id) {
        return r.reset().requestId(id).wallTimeMicros(T0).keyId("key_1").team("t").endpoint((byte) 1)
            .requestedModel("alias").stream(true);
    }

    private List<String> tail(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(new TailCommand());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dataDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        assertThat(cli.execute(all)).isZero();
        return Arrays.asList(out.toString().split("\n"));
    }

    @Test
    @Timeout(30)
    void shouldListAttemptsOnTheTextLineOnlyWhenThereWasMoreThanOne() {
        List<String> lines = tail();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(1)).endsWith("  attempts mock-a/m:connect_refused,mock-b/m:503,"
            + "mock-c/m:reset(uncertain_billed),mock-d/m:200");
        assertThat(lines.get(2)).doesNotContain("attempts");
        assertThat(lines.get(3)).contains("no_deployment").endsWith("d15:connect_timeout,+2 more");
    }

    @Test
    @Timeout(30)
    void shouldWriteAttemptsAsJson() throws Exception {
        List<String> lines = tail("--json");
        assertThat(lines).hasSize(3);
        JsonNode first = mapper.readTree(lines.get(0));
        assertThat(first.get("attempt_count").asInt()).isEqualTo(4);
        JsonNode attempts = first.get("attempts");
        assertThat(attempts).hasSize(4);
        assertThat(lines.get(0)).contains("\"attempt_count\":4,\"attempts\":[{\"deployment\":\"mock-a/m\","
            + "\"outcome\":\"connect_refused\",\"status\":null,\"duration_ms\":1.250,\"uncertain_billed\":false},");
        assertThat(attempts.get(1).get("outcome").asText()).isEqualTo("status");
        assertThat(attempts.get(1).get("status").asInt()).isEqualTo(503);
        assertThat(attempts.get(2).get("uncertain_billed").asBoolean()).isTrue();
        assertThat(attempts.get(3).get("duration_ms").decimalValue()).isEqualByComparingTo("400.5");

        JsonNode single = mapper.readTree(lines.get(1));
        assertThat(single.get("attempt_count").asInt()).isEqualTo(1);
        assertThat(single.get("attempts").get(0).get("status").asInt()).isEqualTo(200);

        JsonNode many = mapper.readTree(lines.get(2));
        assertThat(many.get("outcome").asText()).isEqualTo("no_deployment");
        assertThat(many.get("attempt_count").asInt()).isEqualTo(18);
        assertThat(many.get("attempts")).hasSize(EndRecord.MAX_LISTED_ATTEMPTS);
        assertThat(many.get("attempts").get(0).get("duration_ms").isNull()).isTrue();
    }
}
