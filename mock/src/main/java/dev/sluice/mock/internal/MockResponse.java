package dev.sluice.mock.internal;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What a responder answers: a JSON body, or a list of complete SSE frames (each {@code ...\n\n}) plus the frame
 * sent when a malformed event is injected and, where the dialect has one, the in-stream error frame and where it
 * goes after N content events.
 *
 * <p>Immutable, so thread-safe; the byte arrays are not copied and must not be changed after construction.
 */
public final class MockResponse {
    private final byte[] json;
    private final List<byte[]> events;
    private final byte[] malformedEvent;
    private final byte[] errorEvent;
    private final int[] errorPositions;

    private MockResponse(final byte[] json, final List<byte[]> events, final byte[] malformedEvent,
        final byte[] errorEvent, final int[] errorPositions) {
        this.json = json;
        this.events = events;
        this.malformedEvent = malformedEvent;
        this.errorEvent = errorEvent;
        this.errorPositions = errorPositions;
    }

    /** Returns a 200 JSON answer. */
    public static MockResponse json(final byte[] body) {
        return new MockResponse(requireNonNull(body, "body"), null, null, null, null);
    }

    /** Returns a 200 SSE answer without an in-stream error frame ({@code error_event_after} does not apply). */
    public static MockResponse stream(final List<byte[]> events, final byte[] malformedEvent) {
        return new MockResponse(null, List.copyOf(events), requireNonNull(malformedEvent, "malformedEvent"), null,
            null);
    }

    /**
     * Returns a 200 SSE answer with an in-stream error frame.
     *
     * @param errorPositions {@code errorPositions[k]} is the event index before which the error frame goes after
     *                       k content events; the last entry is used for larger k
     */
    public static MockResponse stream(final List<byte[]> events, final byte[] malformedEvent,
        final byte[] errorEvent, final int[] errorPositions) {
        if (errorPositions.length == 0) {
            throw new IllegalArgumentException("errorPositions: empty (expected: at least the content start)");
        }
        return new MockResponse(null, List.copyOf(events), requireNonNull(malformedEvent, "malformedEvent"),
            requireNonNull(errorEvent, "errorEvent"), errorPositions.clone());
    }

    /** Returns whether this is an SSE answer. */
    public boolean isStream() {
        return events != null;
    }

    /** Returns the JSON body (null for a stream). */
    public byte[] jsonBody() {
        return json;
    }

    /** Returns the SSE frames in order (null for JSON). */
    public List<byte[]> events() {
        return events;
    }

    /** Returns the frame whose data is not valid JSON. */
    public byte[] malformedEvent() {
        return malformedEvent;
    }

    /** Returns the dialect's in-stream error frame, or null when this answer has none. */
    public byte[] errorEvent() {
        return errorEvent;
    }

    /** Returns the event index the error frame replaces after {@code contentEvents} content events, or -1. */
    public int errorPosition(final int contentEvents) {
        if (errorEvent == null || contentEvents < 0) {
            return -1;
        }
        return errorPositions[Math.min(contentEvents, errorPositions.length - 1)];
    }
}
