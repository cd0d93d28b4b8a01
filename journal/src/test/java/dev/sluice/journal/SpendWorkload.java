package dev.sluice.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A generated gateway workload written through {@link Journal} and {@link JournalProducer} as the gateway does:
 * mixed keys, teams, projects, use cases and models (some tags missing or empty), streaming and not, unknown
 * costs and token counts, estimated tokens, cancelled and truncated requests, a restart that recovers requests
 * in flight as interrupted, and requests still in flight at the end. Deterministic for a seed.
 */
public final class SpendWorkload {
    public static final String[] TEAMS = {"research", "support", "growth", null};
    public static final String[] PROJECTS = {"atlas", "orion", "", null};
    public static final String[] USE_CASES = {"chat", "summarize", "classify, fast", null};
    /** Agents by request id (no random draw, so the other fields are drawn as before): a third call none. */
    public static final String[] AGENTS = {"helpdesk", "triage", null};
    public static final String[] AGENT_VERSIONS = {"0123456789ab", "ba9876543210"};
    public static final String[] MODELS = {"gpt-4o-mini", "claude-sonnet", "fast", "agent:helpdesk"};
    public static final String[] KEYS = {"key_a", "key_b", "key_c", "key_d", "key_e"};

    /** Requests still without an end when the journal was closed the last time. */
    public final int leftInFlight;
    /** Ends written by the generator (recovery's interrupted ends not included). */
    public final int endsWritten;
    /** Requests open at the restart: recovery wrote an interrupted end for each. */
    public final int recoveredAtRestart;

    private SpendWorkload(int leftInFlight, int endsWritten, int recoveredAtRestart) {
        this.leftInFlight = leftInFlight;
        this.endsWritten = endsWritten;
        this.recoveredAtRestart = recoveredAtRestart;
    }

    /**
     * Writes {@code requests} requests into a new journal in {@code dir}, wall times from {@code startMicros}
     * {@code stepMicros} apart, in two gateway runs; closes the journal.
     */
    public static SpendWorkload write(Path dir, long seed, int requests, long startMicros, long stepMicros)
        throws Exception {
        return write(dir, seed, requests, startMicros, stepMicros, 0x0190_0000_0000_0000L);
    }

    /** As {@link #write(Path, long, int, long, long)}, request ids counting up from after {@code idBase}. */
    public static SpendWorkload write(Path dir, long seed, int requests, long startMicros, long stepMicros,
                                      long idBase) throws Exception {
        Random random = new Random(seed);
        RequestRecord request = new RequestRecord();
        EndRecord end = new EndRecord();
        List<Long> open = new ArrayList<>();
        int ends = 0;
        int recovered = 0;
        long id = idBase;
        int half = requests / 2;
        for (int run = 0; run < 2; run++) {
            Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT).build());
            if (run == 1) {
                recovered = journal.recoveredInterrupted();
                open.clear();
            }
            try {
                JournalProducer producer = journal.newProducer(Runnable::run);
                int count = run == 0 ? half : requests - half;
                for (int i = 0; i < count; i++) {
                    long wall = startMicros + (run * (long) half + i) * stepMicros;
                    id++;
                    producer.append(request.reset().requestId(id).wallTimeMicros(wall)
                        .keyId(pick(random, KEYS)).user("user" + random.nextInt(9)).team(pick(random, TEAMS))
                        .project(pick(random, PROJECTS)).useCase(pick(random, USE_CASES)).endpoint((byte) 1)
                        .requestedModel(pick(random, MODELS)).stream(random.nextBoolean())
                        .clientAddress("127.0.0.1")
                        .agent(agent(id), agent(id) == null ? null : AGENT_VERSIONS[(int) (id / 3 % 2)],
                            agent(id) == null ? null : "production"));
                    open.add(id);
                    // End a random open request most of the time, so ends interleave with later requests.
                    while (!open.isEmpty() && random.nextInt(10) < 8) {
                        long done = open.remove(random.nextInt(open.size()));
                        producer.append(end(end, random, done, wall + 1 + random.nextInt(1000)));
                        ends++;
                        if (random.nextInt(4) != 0) {
                            break;
                        }
                    }
                    if (random.nextInt(50) == 0) {
                        journal.appendConfig(new ConfigRecord(wall, "v-" + i, "conf/sluice.yaml"));
                    }
                }
            } finally {
                journal.close();
            }
        }
        return new SpendWorkload(open.size(), ends, recovered);
    }

    private static EndRecord end(EndRecord e, Random random, long id, long wall) {
        e.reset().requestId(id).wallTimeMicros(wall).provider("openai").deployment("openai-east")
            .servedModel("served-" + random.nextInt(3)).ttftMicros(random.nextInt(100_000))
            .totalMicros(random.nextInt(1_000_000));
        int kind = random.nextInt(10);
        switch (kind) {
            case 0:
                e.status(499).outcome(Outcome.CLIENT_CANCELLED).tokensIn(random.nextInt(500))
                    .tokensOut(random.nextInt(50)).tokensEstimated(true);
                break;
            case 1:
                e.status(200).outcome(Outcome.UPSTREAM_TRUNCATED).truncated(true).tokensIn(random.nextInt(500))
                    .tokensOut(random.nextInt(80)).tokensEstimated(random.nextBoolean());
                break;
            case 2:
                // Refused before dispatch: nothing known.
                e.status(401).outcome(Outcome.REJECTED);
                break;
            case 3:
                e.status(502).outcome(Outcome.UPSTREAM_ERROR).tokensIn(0).tokensOut(0).tokensCached(0);
                break;
            default:
                e.status(200).outcome(Outcome.OK).tokensIn(random.nextInt(4000)).tokensOut(random.nextInt(2000))
                    .tokensCached(random.nextInt(3) == 0 ? random.nextInt(1000) : 0);
                break;
        }
        if (kind != 2) {
            // One in six has no price configured; large values check exact (not floating) sums.
            int price = random.nextInt(6);
            e.costMicros(price == 0 ? EndRecord.UNKNOWN : price == 1 ? 400_000_000_000_123L + random.nextInt(999)
                : random.nextInt(90_000));
        }
        return e;
    }

    private static String agent(long id) {
        return AGENTS[(int) (id % AGENTS.length)];
    }

    private static String pick(Random random, String[] values) {
        return values[random.nextInt(values.length)];
    }
}
