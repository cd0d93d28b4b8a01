package dev.sluice.routing.admission;

/**
 * The answer of {@link Admission#admit}. When refused: the HTTP status (429 for limits and budgets, 503 when the
 * shared counters cannot be reached and the policy is to fail closed), a stable error code, a message for the
 * caller and the seconds to wait. The request and token states are those of the most constrained scope that has
 * such a limit (for {@code x-ratelimit-*} headers), {@code null} when none applies. Thread-safe (immutable).
 *
 * @param code one of the codes of {@link Refusals} (where refusals are made, the same for every admission);
 *             {@code null} when admitted
 * @param ticket what {@link Admission#settle} needs; non-null exactly when admitted
 */
public record AdmissionDecision(boolean admitted, int status, String code, String message, long retryAfterSeconds,
                                RateLimitState requests, RateLimitState tokens, Ticket ticket) {
    public static AdmissionDecision admit(Ticket ticket, RateLimitState requests, RateLimitState tokens) {
        return new AdmissionDecision(true, 200, null, null, 0, requests, tokens, ticket);
    }

    public static AdmissionDecision refuse(int status, String code, String message, long retryAfterSeconds,
                                           RateLimitState requests, RateLimitState tokens) {
        return new AdmissionDecision(false, status, code, message, retryAfterSeconds, requests, tokens, null);
    }
}
