package dev.sluice.mock.internal;

import java.util.List;

import static java.util.Objects.requireNonNull;

/**
 * What a responder answers: a JSON body, or a list of complete SSE frames (each {@code ...\n\n}) plus the frame
 * sent when a malformed event is injected.
 *
 * <p>Immutable, so thread-safe; the byte arrays are not copied and must not be changed after construction.
 */
public final class MockResponse {
    private final byte[] json;
    private final List<byte[]> events;
    private final byte[] malformedEvent;

    private MockResponse(final byte[] json, final List<byte[]> events, final byte[] malformedEvent) {
        this.json = json;
        this.events = events;
        this.malformedEvent = malformedEvent;
    }

    /** Returns a 200 JSON answer. */
    public static MockResponse json(final byte[] body) {
        return new MockResponse(requireNonNull(body, "body"), null, null);
    }

    /** Returns a 200 SSE answer. */
    public static MockResponse stream(final List<byte[]> events, final byte[] malformedEvent) {
        return new MockResponse(null, List.copyOf(events), requireNonNull(malformedEvent, "malformedEvent"));
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
}
