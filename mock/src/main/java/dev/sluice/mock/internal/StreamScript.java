package dev.sluice.mock.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the frames of one SSE answer and where its content events (deltas) are, so that
 * {@code error_event_after=N} can put the error frame right after the N-th content event.
 *
 * <p>Confined to the thread that builds the answer.
 */
final class StreamScript {
    private final List<byte[]> events = new ArrayList<>();
    private final List<Integer> boundaries = new ArrayList<>();

    /** Adds a structural frame (not a content event). */
    StreamScript add(final byte[] frame) {
        events.add(frame);
        return this;
    }

    /** Adds a content event; the first one also marks where content starts unless marked already. */
    StreamScript addContent(final byte[] frame) {
        markContentStart();
        events.add(frame);
        boundaries.add(events.size());
        return this;
    }

    /** Marks the position of the first content event (used when no content event follows). */
    StreamScript markContentStart() {
        if (boundaries.isEmpty()) {
            boundaries.add(events.size());
        }
        return this;
    }

    /** Returns the answer with the dialect's in-stream error frame. */
    MockResponse build(final byte[] malformedEvent, final byte[] errorEvent) {
        markContentStart();
        final int[] positions = new int[boundaries.size()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = boundaries.get(i);
        }
        return MockResponse.stream(events, malformedEvent, errorEvent, positions);
    }
}
