package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

/**
 * A request joined with its end record, as a {@link JournalReader} reports it. Without an end, the request is
 * either in flight (a live gateway holds the journal) or interrupted (a later boot record, or no live gateway).
 * <p>
 * Confined to the reading thread (the records are mutable flyweights; treat them as read-only).
 */
public final class JournalEntry {
    /** Outcome name of a request with no end whose gateway is still running. */
    public static final String IN_FLIGHT = "in_flight";

    private final RequestRecord request;
    private EndRecord end;
    private boolean interrupted;

    JournalEntry(RequestRecord request) {
        this.request = requireNonNull(request, "request");
    }

    public RequestRecord request() {
        return request;
    }

    /** The end record, or null when none was written. */
    public EndRecord end() {
        return end;
    }

    public long requestId() {
        return request.requestId();
    }

    /** Whether the request has an end or is known to have been interrupted. */
    public boolean isFinished() {
        return end != null || interrupted;
    }

    /** The outcome's wire name, {@code "interrupted"} without an end after a crash, or {@value #IN_FLIGHT}. */
    public String outcome() {
        if (end != null) {
            return end.outcome().wireName();
        }
        return interrupted ? Outcome.INTERRUPTED.wireName() : IN_FLIGHT;
    }

    void end(EndRecord end) {
        this.end = end;
    }

    void markInterrupted() {
        this.interrupted = true;
    }

    @Override
    public String toString() {
        return "JournalEntry{" + RequestIds.format(request.requestId()) + ", outcome=" + outcome() + '}';
    }
}
