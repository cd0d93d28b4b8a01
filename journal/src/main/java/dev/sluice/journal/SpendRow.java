package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

/**
 * The spend of one group of a {@link SpendReport} (or its total): finished requests, the sum of their known
 * costs in micro-units of the currency, how many had no known cost ({@code unpricedRequests}, not counted in
 * {@code costMicros}), the sums of known token counts (unknown counts add nothing), and how many requests had
 * estimated rather than reported token counts. Sums are exact.
 * <p>
 * Thread-safe (immutable).
 */
public record SpendRow(String key, long requests, long costMicros, long unpricedRequests, long tokensIn,
                       long tokensOut, long tokensCached, long estimatedRequests) {
    public SpendRow {
        requireNonNull(key, "key");
    }
}
