package dev.sluice.routing.admission;

/**
 * The state of one rate limit after a decision, for the {@code x-ratelimit-*} response headers the way OpenAI
 * sends them. The state of an admitted decision belongs to the request until it settles: {@link LocalAdmission}
 * reuses it for a later request after that. Values with equal components are equal. Written by the admission
 * before it hands the decision over; read by the request's owner.
 */
public final class RateLimitState {
    private long limit;
    private long remaining;
    private long resetMs;

    /**
     * @param limit the limit per minute
     * @param remaining what is left of it now
     * @param resetMs time until the limit is fully available again (OpenAI's {@code x-ratelimit-reset-*}), at most
     *                the window of a minute; on a refusal by this limit never less than the time until one more
     *                request fits (the {@code Retry-After})
     */
    public RateLimitState(long limit, long remaining, long resetMs) {
        set(limit, remaining, resetMs);
    }

    /** Reuses this state for another decision. */
    void set(long limit, long remaining, long resetMs) {
        this.limit = limit;
        this.remaining = remaining;
        this.resetMs = resetMs;
    }

    /** The limit per minute. */
    public long limit() {
        return limit;
    }

    /** What is left of it now. */
    public long remaining() {
        return remaining;
    }

    /** Time until the limit is fully available again, in milliseconds. */
    public long resetMs() {
        return resetMs;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RateLimitState s && limit == s.limit && remaining == s.remaining && resetMs == s.resetMs;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(limit) * 961 + Long.hashCode(remaining) * 31 + Long.hashCode(resetMs);
    }

    @Override
    public String toString() {
        return "RateLimitState[limit=" + limit + ", remaining=" + remaining + ", resetMs=" + resetMs + "]";
    }
}
