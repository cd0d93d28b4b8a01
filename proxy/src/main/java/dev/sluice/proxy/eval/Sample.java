package dev.sluice.proxy.eval;

import java.util.List;

/**
 * One answer of one case: what came back, what the graders said, and what the journal recorded of it.
 *
 * @param caseId    the case
 * @param index     which sample of the case (0-based)
 * @param status    the HTTP status (0: no answer)
 * @param requestId the gateway's request id, or null
 * @param answer    the answer (null: none came)
 * @param verdicts  each grader's verdict (empty without an answer)
 * @param pass      whether every grader passed it
 * @param error     why no answer came (the gateway's error or the connection's), or null
 * @param latencyMs from sending to the whole answer, as the client saw it
 */
public record Sample(String caseId, int index, int status, String requestId, Answer answer, List<Verdict> verdicts,
                     boolean pass, String error, double latencyMs) {
    public Sample {
        verdicts = List.copyOf(verdicts);
    }
}
