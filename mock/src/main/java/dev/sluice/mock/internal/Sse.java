package dev.sluice.mock.internal;

import java.nio.charset.StandardCharsets;

/**
 * SSE frame encoding: {@code data: <json>\n\n}, and {@code event: <type>\ndata: <json>\n\n} for dialects that
 * name their events.
 *
 * <p>Thread-safe (stateless).
 */
public final class Sse {
    /** The OpenAI end-of-stream frame. */
    public static final String DONE = "[DONE]";

    private Sse() {
    }

    /** Returns a {@code data:}-only frame. */
    public static byte[] data(final String data) {
        return ("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Returns a named frame. */
    public static byte[] event(final String type, final String data) {
        return ("event: " + type + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8);
    }
}
