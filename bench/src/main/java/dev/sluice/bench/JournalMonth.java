package dev.sluice.bench;

import dev.sluice.journal.EndRecord;
import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestRecord;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Writes a month of journal for measuring the console against it ({@code bench/console-month}): requests spread
 * evenly over the 30 days before now, as a busy organisation's gateway would journal them (metadata capture), from
 * 8 teams, 24 projects, 400 keys, 6 models and 4 agents, with their ends (tokens and cost), and one evaluation run a
 * day. Deterministic for a seed; refuses a directory that holds anything.
 * <p>
 * Usage: {@code SLUICE_BENCH_MAIN=dev.sluice.bench.JournalMonth ./sluice bench <data-dir> [requests] [days]}; the
 * journal goes to {@code <data-dir>/journal}, where {@code ./sluice serve --data-dir <data-dir>} finds it.
 * <p>
 * Confined to the main thread.
 */
public final class JournalMonth {
    private static final String[] MODELS = {"gpt-4o-mini", "gpt-4o", "claude-sonnet", "claude-haiku", "fast",
        "embed"};
    private static final String[] AGENTS = {"helpdesk", "triage", "summarizer", "coder"};
    private static final String[] USE_CASES = {"chat", "summarize", "classify", "extract", "eval"};

    private JournalMonth() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: JournalMonth <data-dir> [requests, default 1000000] [days, default 30]");
            System.exit(2);
        }
        Path journalDir = Path.of(args[0]).resolve("journal");
        int requests = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int days = args.length > 2 ? Integer.parseInt(args[2]) : 30;
        if (Files.exists(journalDir)) {
            System.err.println("JournalMonth: " + journalDir + " exists; give an empty data directory");
            System.exit(2);
        }
        long nowMicros = TimeUnit.MILLISECONDS.toMicros(Clock.systemUTC().millis());
        long spanMicros = TimeUnit.DAYS.toMicros(days);
        long stepMicros = spanMicros / requests;
        long startMicros = nowMicros - spanMicros;
        // Ids as a gateway started at the month's start hands them out (its start time above 20 bits).
        long id = TimeUnit.MICROSECONDS.toMillis(startMicros) << 20;
        SplittableRandom random = new SplittableRandom(42);
        RequestRecord request = new RequestRecord();
        EndRecord end = new EndRecord();
        long t0 = System.nanoTime();
        long lastEvalDay = -1;
        // Cycles roll by the records' own times: each day of the month in its daily file, as a gateway writes them.
        RecordTime time = new RecordTime(startMicros);
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .rollClock(time).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            for (int i = 0; i < requests; i++) {
                long wall = startMicros + i * stepMicros;
                time.micros = wall;
                id++;
                int team = random.nextInt(8);
                int key = team * 50 + random.nextInt(50);
                String agent = random.nextInt(3) == 0 ? AGENTS[random.nextInt(AGENTS.length)] : null;
                String model = MODELS[random.nextInt(MODELS.length)];
                request.reset().requestId(id).wallTimeMicros(wall).keyId("key-" + key).user("user-" + (key * 3
                    + random.nextInt(3))).team("team-" + team).project("project-" + (team * 3 + random.nextInt(3)))
                    .useCase(USE_CASES[random.nextInt(USE_CASES.length)]).endpoint((byte) 1).requestedModel(model)
                    .stream(random.nextBoolean()).clientAddress("10.0." + team + "." + random.nextInt(250))
                    .agent(agent, agent == null ? null : "v" + random.nextInt(3), agent == null ? null : "production");
                append(producer, request);
                long total = 200_000 + random.nextInt(4_000_000);
                int in = 50 + random.nextInt(4000);
                int out = random.nextInt(1500);
                end.reset().requestId(id).wallTimeMicros(wall + total).status(200).outcome(Outcome.OK)
                    .provider(model.startsWith("claude") ? "anthropic" : "openai").deployment(model + "-east")
                    .servedModel(model + "-2026").ttftMicros(total / 4).totalMicros(total).tokensIn(in)
                    .tokensOut(out).tokensCached(random.nextInt(4) == 0 ? in / 2 : 0)
                    .costMicros((in * 150L + out * 600L) / 1000);
                if (random.nextInt(50) == 0) {
                    end.status(502).outcome(Outcome.UPSTREAM_ERROR).tokensIn(0).tokensOut(0).costMicros(0);
                }
                append(producer, end);
                long day = Math.floorDiv(wall, TimeUnit.DAYS.toMicros(1));
                if (day != lastEvalDay) {
                    lastEvalDay = day;
                    long[] samples = new long[20];
                    for (int s = 0; s < samples.length; s++) {
                        samples[s] = id - s;
                    }
                    journal.appendEval(new EvalRecord(wall, "ci", "helpdesk-smoke", "v1", "agent:helpdesk",
                        "helpdesk", "v" + (day % 3), 15 + random.nextInt(6), 0.8, samples));
                }
            }
        }
        System.out.printf("JournalMonth: %d requests over %d days (one every %.1f s) and %d evaluation runs in %s,"
            + " written in %d s%n", requests, days, stepMicros / 1e6, days, journalDir,
            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    /** The time of the record being written. */
    private static final class RecordTime extends Clock {
        volatile long micros;

        RecordTime(long micros) {
            this.micros = micros;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("UTC only");
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
        }
    }

    /** Appends; the journal refuses only when the disk is nearly full, which ends the run. */
    private static void append(JournalProducer producer, RequestRecord record) {
        if (producer.append(record) == JournalProducer.FULL) {
            throw new IllegalStateException("the journal refused a record: is the disk nearly full?");
        }
    }

    private static void append(JournalProducer producer, EndRecord record) {
        if (producer.append(record) == JournalProducer.FULL) {
            throw new IllegalStateException("the journal refused a record: is the disk nearly full?");
        }
    }
}
