package dev.sluice.journal.cli;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TailCommandTest {
    private static final long T0 = micros("2026-11-26T10:00:00Z");
    private static final long ID1 = 0x0190_0000_0000_0001L;
    private static final long ID2 = 0x0190_0000_0000_0002L;
    private static final long ID3 = 0x0190_0000_0000_0003L;
    private static final long ID4 = 0x0190_0000_0000_0004L;

    @TempDir
    Path dataDir;

    private final ExecutorService loop = Executors.newSingleThreadExecutor(r -> new Thread(r, "tail-test-loop"));
    private final ObjectMapper mapper = new ObjectMapper();
    private Journal journal;
    private JournalProducer producer;

    @BeforeEach
    void writeJournal() throws Exception {
        // Readers merge the partitions by wall time: the gateway boots just before the records' own times.
        journal = Journal.open(JournalSettings.builder(dataDir.resolve("journal"))
            .clock(Clock.fixed(Instant.ofEpochSecond(0, (T0 - 1_000_000L) * 1000), ZoneOffset.UTC)).build());
        producer = journal.newProducer(loop);
        long last = onLoop(() -> {
            RequestRecord r = new RequestRecord();
            EndRecord e = new EndRecord();
            producer.append(request(r, ID1, T0).keyId("key_1"));
            producer.append(e.reset().requestId(ID1).wallTimeMicros(T0 + 987_654).status(200).outcome(Outcome.OK)
                .provider("openai").deployment("openai-east").servedModel("gpt-4o-mini-2024-07-18")
                .ttftMicros(120_500).totalMicros(987_654).tokensIn(12).tokensOut(34).tokensCached(5)
                .costMicros(1_234));
            producer.append(request(r, ID2, T0 + 300_000_000L).keyId("key_2"));
            producer.append(e.reset().requestId(ID2).wallTimeMicros(T0 + 301_000_000L).status(200)
                .outcome(Outcome.UPSTREAM_TRUNCATED).provider("anthropic").servedModel("claude-x")
                .ttftMicros(50_000).totalMicros(1_000_000).tokensIn(7).tokensOut(3).truncated(true)
                .tokensEstimated(true));
            producer.append(request(r, ID3, T0 + 600_000_000L).keyId("key_3"));
            producer.append(request(r, ID4, T0 + 900_000_000L).keyId(null).team(null));
            return producer.append(e.reset().requestId(ID4).wallTimeMicros(T0 + 900_001_000L).status(401)
                .outcome(Outcome.REJECTED));
        });
        await().atMost(10, SECONDS).until(() -> producer.isDurable(last));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (journal != null) {
            journal.close();
        }
        loop.shutdownNow();
        loop.awaitTermination(10, SECONDS);
    }

    private static RequestRecord request(RequestRecord r, long id, long wallTimeMicros) {
        return r.reset().requestId(id).wallTimeMicros(wallTimeMicros).user("ann").team("team-a").project("atlas")
            .useCase("support").endpoint((byte) 1).requestedModel("gpt-4o-mini").stream(true)
            .clientAddress("127.0.0.1");
    }

    private <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(10, SECONDS);
    }

    private static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private static final class Run {
        int exitCode;
        String out;
        String err;

        List<String> lines() {
            return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        }
    }

    private Run tail(TailCommand command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        Run run = new Run();
        List<String> all = new ArrayList<>(List.of("--data-dir", dataDir.toString()));
        all.addAll(List.of(args));
        run.exitCode = cli.execute(all.toArray(new String[0]));
        run.out = out.toString();
        run.err = err.toString();
        return run;
    }

    @Test
    @Timeout(30)
    void shouldPrintTheLastRequestsAsAlignedLines() throws Exception {
        journal.close();
        Run run = tail(new TailCommand());
        assertThat(run.exitCode).isZero();
        List<String> lines = run.lines();
        assertThat(lines).hasSize(5);
        assertThat(lines.get(0)).startsWith("TIME").contains("REQUEST", "MODEL -> PROVIDER/SERVED", "OUTCOME", "COST");
        String first = lines.get(1);
        assertThat(first).startsWith("2026-11-26T10:00:00.000Z")
            .contains(RequestIds.format(ID1), "key_1", "team-a", "gpt-4o-mini -> openai/gpt-4o-mini-2024-07-18",
                " 200 ", " ok ", "120.5", "987.7", "12/34", "0.001234");
        assertThat(lines.get(2)).contains(RequestIds.format(ID2), "anthropic/claude-x", "upstream_truncated", "7/3")
            .endsWith(" -");
        // No end and no gateway holding the journal any more: interrupted.
        assertThat(lines.get(3)).contains(RequestIds.format(ID3), "gpt-4o-mini -> -", "interrupted");
        assertThat(lines.get(4)).contains(RequestIds.format(ID4), " 401 ", "rejected");
        int idColumn = lines.get(0).indexOf("REQUEST");
        int outcomeColumn = lines.get(0).indexOf("OUTCOME");
        for (String line : lines.subList(1, lines.size())) {
            assertThat(line.indexOf("req_")).isEqualTo(idColumn);
            assertThat(line.substring(outcomeColumn)).matches("(ok|upstream_truncated|interrupted|rejected) .*");
        }
    }

    @Test
    @Timeout(30)
    void shouldPrintOnlyTheLastNRequestsAndMarkALiveRequestInFlight() {
        Run run = tail(new TailCommand(), "-n", "2");
        assertThat(run.exitCode).isZero();
        assertThat(run.lines()).hasSize(3);
        assertThat(run.lines().get(1)).contains(RequestIds.format(ID3), "in_flight");
        assertThat(run.lines().get(2)).contains(RequestIds.format(ID4), "rejected");
    }

    @Test
    @Timeout(30)
    void shouldWriteOneJsonObjectPerLine() throws Exception {
        Run run = tail(new TailCommand(), "--json");
        assertThat(run.exitCode).isZero();
        List<String> lines = run.lines();
        assertThat(lines).hasSize(4);
        JsonNode ok = mapper.readTree(lines.get(0));
        assertThat(ok.get("request_id").asText()).isEqualTo(RequestIds.format(ID1));
        assertThat(ok.get("time").asText()).isEqualTo("2026-11-26T10:00:00Z");
        assertThat(ok.get("key_id").asText()).isEqualTo("key_1");
        assertThat(ok.get("user").asText()).isEqualTo("ann");
        assertThat(ok.get("team").asText()).isEqualTo("team-a");
        assertThat(ok.get("project").asText()).isEqualTo("atlas");
        assertThat(ok.get("use_case").asText()).isEqualTo("support");
        assertThat(ok.get("endpoint").asText()).isEqualTo("chat.completions");
        assertThat(ok.get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(ok.get("served_model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(ok.get("provider").asText()).isEqualTo("openai");
        assertThat(ok.get("status").asInt()).isEqualTo(200);
        assertThat(ok.get("outcome").asText()).isEqualTo("ok");
        assertThat(ok.get("ttft_ms").decimalValue()).isEqualByComparingTo("120.5");
        assertThat(ok.get("total_ms").decimalValue()).isEqualByComparingTo("987.654");
        assertThat(ok.get("tokens_in").asLong()).isEqualTo(12);
        assertThat(ok.get("tokens_out").asLong()).isEqualTo(34);
        assertThat(ok.get("tokens_cached").asLong()).isEqualTo(5);
        assertThat(ok.get("cost").decimalValue()).isEqualByComparingTo("0.001234");
        assertThat(ok.get("truncated").asBoolean()).isFalse();
        assertThat(ok.get("tokens_estimated").asBoolean()).isFalse();

        JsonNode truncated = mapper.readTree(lines.get(1));
        assertThat(truncated.get("outcome").asText()).isEqualTo("upstream_truncated");
        assertThat(truncated.get("cost").isNull()).isTrue();
        assertThat(truncated.get("tokens_cached").isNull()).isTrue();
        assertThat(truncated.get("truncated").asBoolean()).isTrue();
        assertThat(truncated.get("tokens_estimated").asBoolean()).isTrue();

        JsonNode inFlight = mapper.readTree(lines.get(2));
        assertThat(inFlight.get("outcome").asText()).isEqualTo("in_flight");
        assertThat(inFlight.get("status").isNull()).isTrue();
        assertThat(inFlight.get("ttft_ms").isNull()).isTrue();

        JsonNode rejected = mapper.readTree(lines.get(3));
        assertThat(rejected.get("key_id").isNull()).isTrue();
        assertThat(rejected.get("team").isNull()).isTrue();
        assertThat(rejected.get("status").asInt()).isEqualTo(401);
        assertThat(rejected.get("ttft_ms").isNull()).isTrue();
    }

    @Test
    @Timeout(30)
    void shouldFilterBySinceInstantDateAndAge() throws Exception {
        Run instant = tail(new TailCommand(), "--json", "--since", "2026-11-26T10:05:00Z");
        assertThat(ids(instant)).containsExactly(RequestIds.format(ID2), RequestIds.format(ID3),
            RequestIds.format(ID4));

        Run date = tail(new TailCommand(), "--json", "--since", "2026-11-27");
        assertThat(date.exitCode).isZero();
        assertThat(date.lines()).isEmpty();

        TailCommand relative = new TailCommand();
        relative.clock = Clock.fixed(Instant.parse("2026-11-26T10:16:00Z"), ZoneOffset.UTC);
        Run age = tail(relative, "--json", "--since", "10m");
        assertThat(ids(age)).containsExactly(RequestIds.format(ID3), RequestIds.format(ID4));

        Run bad = tail(new TailCommand(), "--since", "yesterday-ish");
        assertThat(bad.exitCode).isEqualTo(2);
        assertThat(bad.err).contains("--since: yesterday-ish");
    }

    @Test
    @Timeout(30)
    void shouldFailWhenThereIsNoJournal() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new JournalCommand());
        cli.setErr(new PrintWriter(err, true));
        cli.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cli.execute("tail", "--data-dir", dataDir.resolve("nothing").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no journal in");
    }

    @Test
    @Timeout(30)
    void shouldFollowAndPrintEachRequestWhenItsEndArrives() throws Exception {
        TailCommand follow = new TailCommand();
        StringWriter out = new StringWriter();
        CommandLine cli = new CommandLine(follow);
        cli.setOut(new PrintWriter(out, true));
        follow.followWhile = () -> !stop.get();
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try {
            Future<Integer> exit = runner.submit(() -> cli.execute("--data-dir", dataDir.toString(), "--json",
                "-f", "-n", "10"));
            // The three finished requests come first; the one still in flight does not.
            await().atMost(10, SECONDS).until(() -> lines(out).size() == 3);
            assertThat(idsOf(lines(out))).containsExactly(RequestIds.format(ID1), RequestIds.format(ID2),
                RequestIds.format(ID4));

            long id5 = 0x0190_0000_0000_0005L;
            onLoop(() -> {
                producer.append(request(new RequestRecord(), id5, T0 + 960_000_000L));
                producer.append(new EndRecord().requestId(ID3).wallTimeMicros(T0 + 961_000_000L).status(200)
                    .outcome(Outcome.CLIENT_CANCELLED));
                return producer.append(new EndRecord().requestId(id5).wallTimeMicros(T0 + 962_000_000L)
                    .status(200).outcome(Outcome.OK));
            });
            await().atMost(10, SECONDS).until(() -> lines(out).size() == 5);
            List<String> lines = lines(out);
            assertThat(idsOf(lines.subList(3, 5))).containsExactly(RequestIds.format(ID3), RequestIds.format(id5));
            assertThat(mapper.readTree(lines.get(3)).get("outcome").asText()).isEqualTo("client_cancelled");

            stop.set(true);
            assertThat(exit.get(10, SECONDS)).isZero();
        } finally {
            stop.set(true);
            runner.shutdownNow();
            runner.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private final java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();

    private static List<String> lines(StringWriter out) {
        String text = out.toString();
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }

    private List<String> ids(Run run) throws Exception {
        assertThat(run.exitCode).isZero();
        return idsOf(run.lines());
    }

    private List<String> idsOf(List<String> lines) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            ids.add(mapper.readTree(line).get("request_id").asText());
        }
        return ids;
    }
}
