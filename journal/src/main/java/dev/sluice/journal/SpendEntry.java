package dev.sluice.journal;

/**
 * One finished request as {@link SpendLedger#read} reports it: when it was asked (the request's wall time), by
 * whom, for which model alias (and through which agent), and what it used. String fields are null when the request carried none, and the
 * same value is the same String instance across entries of one read. {@code costMicros}, {@code tokensIn} and
 * {@code tokensOut} are {@link EndRecord#UNKNOWN} (-1) when the end record did not know them; such a cost must
 * not be counted as 0. {@code shadowSource} is the alias or agent whose shadow declaration sent the request, null
 * for a request a client sent.
 * <p>
 * Thread-safe (immutable).
 */
public record SpendEntry(long wallMs, String keyId, String team, String project, String useCase, String model,
                         String agent, long costMicros, long tokensIn, long tokensOut, String shadowSource) {
    /** Whether the cost is known (a price was configured and usage was reported or estimated). */
    public boolean costKnown() {
        return costMicros >= 0;
    }
}
