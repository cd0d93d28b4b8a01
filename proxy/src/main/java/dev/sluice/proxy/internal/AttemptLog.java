package dev.sluice.proxy.internal;

import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;

/**
 * The attempts of a request before its final one, kept for the END record (the final attempt is written from the
 * {@link Attempt} itself). Allocated only when a request is tried again. Confined to the client channel's event
 * loop.
 */
final class AttemptLog {
    private final String[] deployments;
    private final AttemptOutcome[] outcomes;
    private final int[] statuses;
    private final long[] durationsMicros;
    private final boolean[] uncertain;
    private int size;

    /** A log of at most {@code capacity} attempts (the route's attempt budget); more are not kept. */
    AttemptLog(int capacity) {
        deployments = new String[capacity];
        outcomes = new AttemptOutcome[capacity];
        statuses = new int[capacity];
        durationsMicros = new long[capacity];
        uncertain = new boolean[capacity];
    }

    void add(String deployment, AttemptOutcome outcome, int status, long durationMicros, boolean uncertainBilled) {
        if (size == deployments.length) {
            return;
        }
        deployments[size] = deployment;
        outcomes[size] = outcome;
        statuses[size] = status;
        durationsMicros[size] = durationMicros;
        uncertain[size] = uncertainBilled;
        size++;
    }

    void appendTo(EndRecord e) {
        for (int i = 0; i < size; i++) {
            e.addAttempt(deployments[i], outcomes[i], statuses[i], durationsMicros[i], uncertain[i]);
        }
    }
}
