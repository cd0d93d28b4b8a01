package dev.sluice.journal;

/**
 * Prices a request that a crash interrupted, from the tokens its captured parts show, when {@link Journal#open}
 * writes its INTERRUPTED end: the gateway answers with its configuration's price for the requested model, so spend
 * reports and rebuilt budgets count what was already streamed.
 * <p>
 * Implementations must be thread-safe; called on the thread that opens the journal.
 */
@FunctionalInterface
public interface RecoveryPricer {
    /** Prices nothing: the cost of an interrupted request stays unknown. */
    RecoveryPricer NONE = (model, tokensIn, tokensOut) -> -1;

    /**
     * The cost in micro-units of currency of {@code tokensIn} and {@code tokensOut} (estimated) for a request to
     * {@code requestedModel}, or -1 when it is not known.
     */
    long costMicros(String requestedModel, long tokensIn, long tokensOut);
}
