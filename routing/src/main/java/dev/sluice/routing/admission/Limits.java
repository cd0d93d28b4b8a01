package dev.sluice.routing.admission;

/**
 * Rate limits of one scope; each is -1 when that limit is not set. Thread-safe (immutable).
 *
 * @param requestsPerMinute requests admitted in any sliding minute
 * @param tokensPerMinute tokens (estimated at admission, settled with the real count) in any sliding minute
 * @param concurrent requests in flight at once
 */
public record Limits(long requestsPerMinute, long tokensPerMinute, long concurrent) {
    public static final Limits NONE = new Limits(-1, -1, -1);

    public boolean isNone() {
        return requestsPerMinute < 0 && tokensPerMinute < 0 && concurrent < 0;
    }
}
