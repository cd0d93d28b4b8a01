package dev.sluice.proxy.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The recorded evaluation runs (EVAL records) of a journal, and one run as JSON: what {@code sluice eval runs
 * --json} prints a line of and {@code GET /admin/evals} lists. Thread-safe (stateless).
 */
public final class EvalRuns {
    private EvalRuns() {
    }

    /** The runs in {@code journalDirs} that {@code keep} accepts, oldest first. */
    public static List<EvalRecord> read(List<Path> journalDirs, Predicate<EvalRecord> keep) {
        List<EvalRecord> runs = new ArrayList<>();
        try (JournalReader r = JournalReader.open(journalDirs)) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onEval(EvalRecord e) {
                    if (keep.test(e)) {
                        runs.add(e);
                    }
                }
            }, 1000) > 0) {
                // read on
            }
        }
        return runs;
    }

    /** One run: when, set and version, target, agent version, samples, passes, pass rate with its 95% interval. */
    public static ObjectNode json(ObjectMapper mapper, EvalRecord e) {
        double[] ci = Wilson.interval95(e.passes(), e.samples());
        ObjectNode n = mapper.createObjectNode();
        n.put("time", Instant.ofEpochMilli(e.wallTimeMicros() / 1000).toString());
        n.put("set", e.set());
        n.put("set_version", e.setVersion());
        n.put("target", e.target());
        n.put("agent", e.agent());
        n.put("agent_version", e.agentVersion());
        n.put("samples", e.samples());
        n.put("passes", e.passes());
        n.put("pass_rate", e.passRate());
        n.put("ci95_low", ci[0]);
        n.put("ci95_high", ci[1]);
        if (!Double.isNaN(e.minPassRate())) {
            n.put("min_pass_rate", e.minPassRate());
        }
        n.put("actor", e.actor());
        return n;
    }
}
