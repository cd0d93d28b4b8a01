package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Feedback rolled up per agent, agent version, model and metric ({@code sluice eval feedback}), from the FEEDBACK
 * records of one or more journals. When one key rated one request on one metric more than once, its latest value
 * counts (a user who changes a thumbs-up to a thumbs-down is one vote); {@link #records()} says how many records
 * were read, {@link #counted()} how many count.
 * <p>
 * Confined to the building thread; the rows are immutable.
 */
public final class FeedbackReport {
    /**
     * One group's figures.
     *
     * @param agent        the rated requests' agent, or null for requests without one
     * @param agentVersion that agent's version, or null
     * @param model        the model that answered, or null
     * @param metric       the metric
     * @param count        how many values count
     * @param booleans     how many of them were booleans
     * @param trues        how many of the booleans were true
     * @param sum          the sum of the values (a boolean counts 1 or 0)
     */
    public record Row(String agent, String agentVersion, String model, String metric, long count, long booleans,
                      long trues, double sum) {
        /** The mean value: for booleans, the share that were true. */
        public double mean() {
            return count == 0 ? 0 : sum / count;
        }
    }

    private record Vote(long requestId, String metric, String sender) {
    }

    private record Group(String agent, String agentVersion, String model, String metric) {
    }

    private final long records;
    private final List<Row> rows;

    private FeedbackReport(long records, List<Row> rows) {
        this.records = records;
        this.rows = rows;
    }

    /**
     * Reads the feedback in {@code journalDirs} given at or after {@code sinceMicros}, optionally of one agent only.
     *
     * @param agent the agent to keep, or null for all feedback
     */
    public static FeedbackReport read(List<Path> journalDirs, long sinceMicros, String agent) {
        requireNonNull(journalDirs, "journalDirs");
        Map<Vote, FeedbackRecord> latest = new LinkedHashMap<>();
        long[] read = {0};
        for (Path dir : journalDirs) {
            if (!JournalReader.isJournal(dir)) {
                continue;
            }
            try (JournalReader r = JournalReader.open(dir)) {
                RecordVisitor v = new RecordVisitor() {
                    @Override
                    public void onFeedback(FeedbackRecord f) {
                        if (f.wallTimeMicros() < sinceMicros || agent != null && !agent.equals(f.agent())) {
                            return;
                        }
                        read[0]++;
                        Vote key = new Vote(f.requestId(), f.metric(), f.senderKey());
                        FeedbackRecord before = latest.get(key);
                        if (before == null || before.wallTimeMicros() <= f.wallTimeMicros()) {
                            latest.put(key, f);
                        }
                    }
                };
                while (r.poll(v, 4096) > 0) {
                    // read on
                }
            }
        }
        return new FeedbackReport(read[0], rollUp(latest.values()));
    }

    private static List<Row> rollUp(Iterable<FeedbackRecord> votes) {
        Map<Group, long[]> counts = new LinkedHashMap<>();
        Map<Group, double[]> sums = new LinkedHashMap<>();
        for (FeedbackRecord f : votes) {
            Group g = new Group(f.agent(), f.agentVersion(), f.model(), f.metric());
            long[] c = counts.computeIfAbsent(g, k -> new long[3]);
            c[0]++;
            if (f.isBoolean()) {
                c[1]++;
                c[2] += f.value() != 0 ? 1 : 0;
            }
            sums.computeIfAbsent(g, k -> new double[1])[0] += f.value();
        }
        List<Row> rows = new ArrayList<>();
        counts.forEach((g, c) -> rows.add(new Row(g.agent(), g.agentVersion(), g.model(), g.metric(), c[0], c[1],
                c[2], sums.get(g)[0])));
        rows.sort(Comparator.comparing((Row r) -> Objects.toString(r.agent(), ""))
                .thenComparing(r -> Objects.toString(r.agentVersion(), ""))
                .thenComparing(r -> Objects.toString(r.model(), ""))
                .thenComparing(Row::metric));
        return List.copyOf(rows);
    }

    /** FEEDBACK records read in the period (of the agent, when one was named). */
    public long records() {
        return records;
    }

    /** Values that count: the latest of each key on each request and metric. */
    public long counted() {
        long n = 0;
        for (Row r : rows) {
            n += r.count();
        }
        return n;
    }

    /** One row per agent, agent version, model and metric, in that order. */
    public List<Row> rows() {
        return rows;
    }
}
