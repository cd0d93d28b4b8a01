package dev.sluice.proxy.eval;

import dev.sluice.codec.Clock;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the journal recorded of an evaluation's requests: cost, tokens, time to first token and total time, the
 * model that served each and the agent version. Read after the run from the gateway's journal (the same data
 * directory), so the figures are the gateway's own.
 *
 * @param requestId   the request
 * @param costMicros  its cost (-1: unknown)
 * @param tokensIn    input tokens (-1: unknown)
 * @param tokensOut   output tokens (-1: unknown)
 * @param ttftMs      time to first token at the gateway
 * @param totalMs     total time at the gateway
 * @param servedModel the provider's model
 * @param agent       the agent, or null
 * @param agentVersion its version, or null
 */
public record JournalFacts(String requestId, long costMicros, long tokensIn, long tokensOut, double ttftMs,
                           double totalMs, String servedModel, String agent, String agentVersion) {
    /**
     * The facts of {@code requestIds} (requests that started at or after {@code sinceMicros}, wall time) found
     * finished in the journals {@code dirs}, waiting up to {@code waitMs} for the last ones to be written.
     */
    public static Map<String, JournalFacts> read(List<Path> dirs, Set<String> requestIds, long sinceMicros,
                                                 long waitMs, Clock clock) throws InterruptedException {
        Map<String, JournalFacts> out = new HashMap<>();
        long deadline = clock.nanoTime() + waitMs * 1_000_000L;
        while (true) {
            try (JournalReader r = JournalReader.open(dirs)) {
                for (JournalEntry e : r.last(Integer.MAX_VALUE, sinceMicros)) {
                    String id = RequestIds.format(e.requestId());
                    if (!e.isFinished() || !requestIds.contains(id)) {
                        continue;
                    }
                    EndRecord end = e.end();
                    out.put(id, new JournalFacts(id, end.costMicros(), end.tokensIn(), end.tokensOut(),
                            end.ttftMicros() / 1000.0, end.totalMicros() / 1000.0, end.servedModel(),
                            e.request().agent(), e.request().agentVersion()));
                }
            }
            if (out.size() >= requestIds.size() || clock.nanoTime() - deadline >= 0) {
                return out;
            }
            Thread.sleep(100);
        }
    }
}
