package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

/**
 * One upstream attempt of a request, as decoded from its end record.
 * <p>
 * Thread-safe (immutable).
 *
 * @param deployment      the deployment tried, e.g. {@code "mock/mock-gpt"}, or null when none was named
 * @param outcome         how the attempt ended
 * @param status          the upstream HTTP status, 0 when none was received
 * @param durationMicros  how long the attempt took, -1 when unknown
 * @param uncertainBilled whether the upstream may have billed the attempt (request sent, no usable answer)
 */
public record Attempt(String deployment, AttemptOutcome outcome, int status, long durationMicros,
                      boolean uncertainBilled) {
    public Attempt {
        requireNonNull(outcome, "outcome");
    }

    /**
     * The short form the CLI prints: {@code deployment:result}, where the result is the status number for an
     * answered attempt ({@code ok} or {@code status} with a status) and the outcome's wire name otherwise; an
     * attempt that may have been billed ends with {@code (uncertain_billed)}.
     */
    public String summary() {
        boolean answered = (outcome == AttemptOutcome.OK || outcome == AttemptOutcome.STATUS) && status > 0;
        return (deployment == null ? "-" : deployment) + ':'
            + (answered ? Integer.toString(status) : outcome.wireName()) + (uncertainBilled ? "(uncertain_billed)" : "");
    }
}
