package dev.sluice.routing.admission;

import java.util.Map;

/**
 * Admission control: rate limits (requests and tokens per minute, concurrent requests) and budget reservations
 * over the scopes a request is charged to (its key, team, model and project). One implementation keeps the
 * counters in this process ({@code LocalAdmission}); the cluster one keeps them in Redis so several gateway
 * processes share them. Thread-safe.
 */
public interface Admission extends AutoCloseable {
    /**
     * Admits or refuses one request, atomically over all its scopes: either every counter takes the request (one
     * request, its estimated tokens, a concurrency slot, its worst-case cost) or none does. Calls
     * {@code callback} exactly once, on any thread (the local implementation before returning; callers that must
     * continue on their own thread hop back themselves).
     */
    void admit(AdmissionRequest request, AdmissionCallback callback);

    /**
     * Settles an admitted request, once, on every exit path (success, refusal by the provider, cancel,
     * truncation, timeout): frees its concurrency slots and replaces its token and cost reservations by what it
     * really used ({@code realTokens}, {@code realCostMicros}; 0 when nothing was used). Never blocks. A settle with
     * a stamp other than the one the ticket was issued at (a second settle, or one after the ticket went to another
     * request) changes nothing.
     *
     * @param stamp the decision's {@link AdmissionDecision#stamp()}, read when it was admitted
     */
    void settle(Ticket ticket, long stamp, long realTokens, long realCostMicros);

    /**
     * Settles {@code decision}'s ticket at its stamp. Only while the decision is still the caller's (it has not
     * settled it yet): after a settle a pooled decision may already belong to another request.
     */
    default void settle(AdmissionDecision decision, long realTokens, long realCostMicros) {
        settle(decision.ticket(), decision.stamp(), realTokens, realCostMicros);
    }

    /**
     * Forgets every counter of the period that contains {@code nowMs} and starts the budgets from the given
     * spend (rebuilt from the journal at startup: the journal is the ledger). Keys are {@link Scope#counterKey()}.
     */
    void seedSpend(Map<String, Long> spentMicrosByBudgetKey);

    /** Returns "ok", or why admission cannot work right now (for health and metrics). */
    String health();

    /** The budgets' spend as settles reported it, and their soft-threshold alerts. */
    BudgetWatch budgets();

    @Override
    void close();
}
