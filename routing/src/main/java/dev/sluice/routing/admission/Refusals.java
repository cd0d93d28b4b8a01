package dev.sluice.routing.admission;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The one catalogue of admission refusals: for each, the HTTP status, the stable code and the message a caller
 * reads, so that the same refusal reads the same whether the counters are this process's ({@link LocalAdmission})
 * or shared through Redis. Messages name the scope and its configured limit and echo no secret; the time to wait
 * is not in the message but in {@link AdmissionDecision#retryAfterSeconds()} (the {@code Retry-After} header).
 * <p>
 * Thread-safe (stateless).
 */
public final class Refusals {
    /** Every bad credential: missing, malformed, unknown, expired, revoked (RELIABILITY.md E1). */
    public static final String INVALID_KEY = "invalid_api_key";
    /** The requests-per-minute limit of a scope. */
    public static final String RATE_LIMIT_EXCEEDED = "rate_limit_exceeded";
    /** The tokens-per-minute limit of a scope. */
    public static final String TOKENS_LIMIT_EXCEEDED = "tokens_limit_exceeded";
    /** The concurrent-requests limit of a scope. */
    public static final String CONCURRENCY_LIMIT_EXCEEDED = "concurrency_limit_exceeded";
    /** The hard budget of a scope for the current period. */
    public static final String BUDGET_EXCEEDED = "budget_exceeded";
    /** Shared counters that cannot be reached, with the policy to fail closed. */
    public static final String ADMISSION_UNAVAILABLE = "admission_unavailable";

    /** The one answer to every bad credential: a caller learns nothing of which part was wrong. */
    public static final String INVALID_KEY_MESSAGE =
        "Invalid or missing API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.";

    private Refusals() {
    }

    /** A key that is not (or no longer) valid: the same 401 as any other bad credential. */
    public static AdmissionDecision invalidKey() {
        return AdmissionDecision.refuse(401, INVALID_KEY, INVALID_KEY_MESSAGE, 0, null, null);
    }

    /** {@code scope} has admitted its requests per minute. */
    public static AdmissionDecision requests(Scope scope, long retryAfterSeconds, RateLimitState requests,
                                             RateLimitState tokens) {
        return AdmissionDecision.refuse(429, RATE_LIMIT_EXCEEDED, "Rate limit reached for " + who(scope) + ": "
            + scope.limits().requestsPerMinute() + " requests per minute.", retryAfterSeconds, requests, tokens);
    }

    /** {@code scope} cannot take {@code reservedTokens} more tokens this minute. */
    public static AdmissionDecision tokens(Scope scope, long reservedTokens, long retryAfterSeconds,
                                           RateLimitState requests, RateLimitState tokens) {
        return AdmissionDecision.refuse(429, TOKENS_LIMIT_EXCEEDED, "Token rate limit reached for " + who(scope)
            + ": " + scope.limits().tokensPerMinute() + " tokens per minute, this request reserves " + reservedTokens
            + ".", retryAfterSeconds, requests, tokens);
    }

    /** {@code scope} has as many requests in flight as it may. */
    public static AdmissionDecision concurrency(Scope scope, long retryAfterSeconds, RateLimitState requests,
                                                RateLimitState tokens) {
        return AdmissionDecision.refuse(429, CONCURRENCY_LIMIT_EXCEEDED, "Too many concurrent requests for "
            + who(scope) + ": at most " + scope.limits().concurrent() + " at once.", retryAfterSeconds, requests,
            tokens);
    }

    /** {@code scope}'s hard budget cannot take a reservation of {@code reservedMicros} more this period. */
    public static AdmissionDecision budget(Scope scope, long reservedMicros, long retryAfterSeconds,
                                           RateLimitState requests, RateLimitState tokens) {
        Budget budget = scope.budget();
        return AdmissionDecision.refuse(429, BUDGET_EXCEEDED, "Budget exhausted for " + who(scope) + ": "
            + money(budget.hardMicros()) + " per " + budget.period().configName() + ", this request reserves up to "
            + money(reservedMicros) + ".", retryAfterSeconds, requests, tokens);
    }

    /** The shared counters cannot be reached and the policy is to fail closed; {@code reason} names no secret. */
    public static AdmissionDecision unavailable(String reason) {
        return AdmissionDecision.refuse(503, ADMISSION_UNAVAILABLE, "shared limits unreachable (redis): " + reason, 1,
            null, null);
    }

    private static String who(Scope scope) {
        return scope.kind() + " '" + scope.id() + "'";
    }

    /** Micro-units of currency as a decimal with two places. */
    static String money(long micros) {
        return BigDecimal.valueOf(micros, 6).setScale(2, RoundingMode.HALF_UP).toPlainString();
    }
}
