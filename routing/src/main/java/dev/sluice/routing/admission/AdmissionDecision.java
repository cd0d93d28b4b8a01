package dev.sluice.routing.admission;

import java.util.Objects;

/**
 * The answer of {@link Admission#admit}. When refused: the HTTP status (429 for limits and budgets, 503 when the
 * shared counters cannot be reached and the policy is to fail closed), a stable error code, a message for the
 * caller and the seconds to wait. The request and token states are those of the most constrained scope that has
 * such a limit (for {@code x-ratelimit-*} headers), {@code null} when none applies.
 * <p>
 * An admitted decision and its states belong to the request until it settles its ticket: {@link LocalAdmission}
 * pools them with the ticket and hands them to a later request after that, so admitting and settling allocate
 * nothing. The {@link #stamp()} tells that request's settle from a stale one: a caller that settles after it may
 * have let go of the decision keeps the stamp it read at admission. Written by the admission before it calls the
 * callback; read by the request's owner.
 */
public final class AdmissionDecision {
    private final boolean admitted;
    private final int status;
    private final String code;
    private final String message;
    private final long retryAfterSeconds;
    private final Ticket ticket;
    private RateLimitState requests;
    private RateLimitState tokens;
    private long stamp;

    private AdmissionDecision(boolean admitted, int status, String code, String message, long retryAfterSeconds,
                              RateLimitState requests, RateLimitState tokens, Ticket ticket, long stamp) {
        this.admitted = admitted;
        this.status = status;
        this.code = code;
        this.message = message;
        this.retryAfterSeconds = retryAfterSeconds;
        this.requests = requests;
        this.tokens = tokens;
        this.ticket = ticket;
        this.stamp = stamp;
    }

    /** An admission holding {@code ticket}, issued once (stamp 0). */
    public static AdmissionDecision admit(Ticket ticket, RateLimitState requests, RateLimitState tokens) {
        return admit(ticket, 0, requests, tokens);
    }

    /** An admission holding {@code ticket} at {@code stamp} (what {@link Admission#settle} compares). */
    public static AdmissionDecision admit(Ticket ticket, long stamp, RateLimitState requests, RateLimitState tokens) {
        return new AdmissionDecision(true, 200, null, null, 0, requests, tokens, ticket, stamp);
    }

    /**
     * @param code one of the codes of {@link Refusals} (where refusals are made, the same for every admission)
     */
    public static AdmissionDecision refuse(int status, String code, String message, long retryAfterSeconds,
                                           RateLimitState requests, RateLimitState tokens) {
        return new AdmissionDecision(false, status, code, message, retryAfterSeconds, requests, tokens, null, 0);
    }

    /** Hands this pooled admission to another request: its ticket's new stamp and its limit states (or null). */
    void reuse(long stamp, RateLimitState requests, RateLimitState tokens) {
        this.stamp = stamp;
        this.requests = requests;
        this.tokens = tokens;
    }

    /**
     * This decision as it reads now, to keep past the settle: a copy with its own limit states when admitted (a
     * pooled one goes to another request after the settle), this one when refused (never pooled).
     */
    public AdmissionDecision snapshot() {
        if (!admitted) {
            return this;
        }
        return admit(ticket, stamp, copy(requests), copy(tokens));
    }

    private static RateLimitState copy(RateLimitState s) {
        return s == null ? null : new RateLimitState(s.limit(), s.remaining(), s.resetMs());
    }

    public boolean admitted() {
        return admitted;
    }

    /** 200 when admitted; the HTTP status of the refusal otherwise. */
    public int status() {
        return status;
    }

    /** The refusal's code, {@code null} when admitted. */
    public String code() {
        return code;
    }

    /** The refusal's message for the caller, {@code null} when admitted. */
    public String message() {
        return message;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The request limit state of the most constrained scope with one, or {@code null}. */
    public RateLimitState requests() {
        return requests;
    }

    /** The token limit state of the most constrained scope with one, or {@code null}. */
    public RateLimitState tokens() {
        return tokens;
    }

    /** What {@link Admission#settle} needs; non-null exactly when admitted. */
    public Ticket ticket() {
        return ticket;
    }

    /** Which issue of the (possibly pooled) ticket this admission holds; settled with it. */
    public long stamp() {
        return stamp;
    }

    /** Equal when every component is (as a value: two refusals of one kind and state are the same answer). */
    @Override
    public boolean equals(Object o) {
        return o instanceof AdmissionDecision d && admitted == d.admitted && status == d.status
                && retryAfterSeconds == d.retryAfterSeconds && stamp == d.stamp && Objects.equals(code, d.code)
                && Objects.equals(message, d.message) && Objects.equals(requests, d.requests)
                && Objects.equals(tokens, d.tokens) && Objects.equals(ticket, d.ticket);
    }

    @Override
    public int hashCode() {
        return Objects.hash(admitted, status, code, message, retryAfterSeconds, requests, tokens, ticket, stamp);
    }

    @Override
    public String toString() {
        return admitted ? "AdmissionDecision[admitted, requests=" + requests + ", tokens=" + tokens + "]"
                : "AdmissionDecision[refused " + status + " " + code + ": " + message + ", retry after "
                        + retryAfterSeconds + " s, requests=" + requests + ", tokens=" + tokens + "]";
    }
}
