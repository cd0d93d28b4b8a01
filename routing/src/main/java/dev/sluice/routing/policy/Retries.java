package dev.sluice.routing.policy;

import java.util.concurrent.TimeUnit;

import dev.sluice.routing.config.RoutePolicy;

/**
 * The retry and fallback decisions of one request, as pure functions of what happened and the route's
 * {@link RoutePolicy}: which provider statuses move a request on, which of them leave it unclear whether the
 * provider already has (and bills) the request, whether another attempt may start, and how long to wait before
 * the same deployments are tried again. The caller does the I/O.
 * <p>
 * Thread-safe (stateless).
 */
public final class Retries {
    /** Returned by {@link #waitBeforeRetryMs} when the request must not be tried again. */
    public static final long GIVE_UP = -1;

    private Retries() {
    }

    /** Whether a provider's {@code status} moves the request to another attempt: 429, 500, 502, 503, 504, 529. */
    public static boolean isRetryable(int status) {
        return status == 429 || status == 500 || status == 502 || status == 503 || status == 504 || status == 529;
    }

    /**
     * Whether a failure with {@code status} may come after the provider took the request (502 and 504: a proxy in
     * front of it gave up, the model may still run and bill it).
     */
    public static boolean isAmbiguous(int status) {
        return status == 502 || status == 504;
    }

    /**
     * A {@code Retry-After} of delta-seconds (the form providers send) in milliseconds; -1 when absent, empty, not
     * a number or longer than nine digits (an HTTP date is not honoured: it would need the provider's clock).
     */
    public static long retryAfterMs(CharSequence value) {
        if (value == null) {
            return -1;
        }
        int n = value.length();
        if (n == 0 || n > 9) {
            return -1;
        }
        long seconds = 0;
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            seconds = seconds * 10 + (c - '0');
        }
        return seconds * 1000;
    }

    /**
     * Whether another attempt may start after a failed one: attempts are left, the failure leaves no doubt that
     * the provider did not take the request (or the policy allows sending it again), the client is still there
     * and the request's deadline has not passed.
     *
     * @param attemptsMade attempts started so far, the failed one included
     * @param ambiguous whether the provider may already have the request ({@link #isAmbiguous}, a reset after the
     *        body went out, a first-token timeout)
     * @param nowNs the current {@link System#nanoTime()} reading
     * @param deadlineNs the request's deadline on the same clock, or {@link Long#MAX_VALUE} when it has none
     */
    public static boolean mayRetry(RoutePolicy policy, int attemptsMade, boolean ambiguous, boolean clientConnected,
                                   long nowNs, long deadlineNs) {
        return attemptsMade < policy.maxAttempts() && (!ambiguous || policy.resendAfterDispatch()) && clientConnected
            && (deadlineNs == Long.MAX_VALUE || nowNs - deadlineNs < 0);
    }

    /**
     * When every deployment was tried: how long to wait before trying them again, the larger of the policy's
     * jittered backoff ({@code backoffMs}, from {@link RoutePolicy#backoffMs(int)}) and the provider's
     * {@code Retry-After}; {@link #GIVE_UP} when the provider asks for longer than the policy waits, or the wait
     * would end at or past the deadline ({@code nowNs} and {@code deadlineNs} as in {@link #mayRetry}).
     */
    public static long waitBeforeRetryMs(RoutePolicy policy, long backoffMs, long retryAfterMs, long nowNs,
                                         long deadlineNs) {
        if (retryAfterMs > policy.maxRetryAfterMs()) {
            return GIVE_UP;
        }
        long waitMs = Math.max(backoffMs, retryAfterMs);
        if (deadlineNs != Long.MAX_VALUE && nowNs + TimeUnit.MILLISECONDS.toNanos(waitMs) - deadlineNs >= 0) {
            return GIVE_UP;
        }
        return waitMs;
    }
}
