package dev.sluice.routing.policy;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.codec.TokenEstimator;
import dev.sluice.codec.Usage;
import dev.sluice.routing.config.Price;
import io.netty.buffer.ByteBuf;

/**
 * What one finished request is billed: the tokens to record (the provider's report when it is believable, else an
 * estimate flagged as such) and their cost at the deployment's price. A pure function of what the request saw;
 * the result goes into a reusable {@link Bill}, so billing allocates nothing.
 * <p>
 * Thread-safe (stateless); a {@link Bill} is confined to its caller.
 */
public final class Billing {
    /** More tokens than any model's context window: a usage count beyond it is nonsense, and estimated instead. */
    public static final long MAX_PLAUSIBLE_TOKENS = 100_000_000L;

    private Billing() {
    }

    /**
     * Bills a request into {@code out}.
     *
     * @param usage what the provider reported, or null when it reported nothing
     * @param dispatched whether a request body went to a provider
     * @param upstreamStatus the final attempt's provider status, 0 when none answered
     * @param unfinished whether the answer was cut short (truncated, or the client left)
     * @param relayedContentEvents content events relayed to the client, -1 when the body was not relayed event by
     *        event (a JSON answer)
     * @param requestBody the request body, for an input estimate when the provider gave no count; may be null
     * @param deploymentKnown whether the request was routed to a deployment
     * @param price the deployment's price, or null when it has none
     * @return {@code out}
     */
    public static Bill bill(Bill out, Usage usage, Endpoint endpoint, boolean dispatched, int upstreamStatus,
                            boolean unfinished, long relayedContentEvents, ByteBuf requestBody,
                            boolean deploymentKnown, Price price) {
        requireNonNull(out, "out");
        long in = -1;
        long tokensOut = -1;
        long cached = -1;
        long cacheWrite = -1;
        boolean estimated = false;
        if (usage != null && usage.known() && plausible(usage)) {
            in = usage.inputTokens;
            tokensOut = usage.outputTokens;
            cached = usage.cachedTokens;
            cacheWrite = usage.cacheWriteTokens;
        }
        if (endpoint == Endpoint.EMBEDDINGS && in >= 0 && tokensOut < 0) {
            // Embeddings generate no tokens: their usage has none to report.
            tokensOut = 0;
        }
        if (dispatched && upstreamStatus < 400 && (in < 0 || tokensOut < 0)) {
            // The provider gave no usage, or part of it (cancelled, truncated, timed out, nonsense values): what was
            // sent and relayed is estimated, and flagged as such.
            estimated = true;
            if (tokensOut < 0) {
                tokensOut = Math.max(0, relayedContentEvents);
            }
            if (in < 0) {
                in = requestBody != null
                    ? TokenEstimator.estimateTokens(requestBody, requestBody.readerIndex(), requestBody.writerIndex())
                    : 0;
            }
        }
        if (unfinished && relayedContentEvents > tokensOut) {
            // A stream that did not finish has at most a running count from the provider (Anthropic's message_start
            // says 1): what was relayed is the better floor.
            tokensOut = relayedContentEvents;
            estimated = true;
        }
        // Nothing reached a provider (refused, or every attempt failed to connect): nothing to bill. Otherwise an
        // unpriced model's cost is unknown (-1), never 0.
        long cost = !dispatched && (!deploymentKnown || upstreamStatus == 0) ? 0
            : price == null || (in < 0 && tokensOut < 0) ? -1 : price.costMicros(in, tokensOut, cached, cacheWrite);
        return out.set(in, tokensOut, cached, cost, estimated);
    }

    /** Whether a provider's counts are believed: none negative (-1 is "not reported"), none beyond any window. */
    public static boolean plausible(Usage u) {
        return u.inputTokens <= MAX_PLAUSIBLE_TOKENS && u.outputTokens <= MAX_PLAUSIBLE_TOKENS
            && u.cachedTokens <= MAX_PLAUSIBLE_TOKENS && u.cacheWriteTokens <= MAX_PLAUSIBLE_TOKENS
            && u.inputTokens >= -1 && u.outputTokens >= -1;
    }

    /**
     * The result of {@link #bill}: token counts (-1 when unknown), the cost in micro-units of currency (-1 when
     * unknown) and whether the counts are estimates. Confined to one thread; reused request after request.
     */
    public static final class Bill {
        private long tokensIn;
        private long tokensOut;
        private long tokensCached;
        private long costMicros;
        private boolean estimated;

        Bill set(long tokensIn, long tokensOut, long tokensCached, long costMicros, boolean estimated) {
            this.tokensIn = tokensIn;
            this.tokensOut = tokensOut;
            this.tokensCached = tokensCached;
            this.costMicros = costMicros;
            this.estimated = estimated;
            return this;
        }

        public long tokensIn() {
            return tokensIn;
        }

        public long tokensOut() {
            return tokensOut;
        }

        public long tokensCached() {
            return tokensCached;
        }

        public long costMicros() {
            return costMicros;
        }

        public boolean estimated() {
            return estimated;
        }
    }
}
