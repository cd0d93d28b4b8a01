package dev.sluice.codec.translate;

import io.netty.buffer.ByteBuf;

/**
 * Translates one upstream SSE stream into the client's dialect as its bytes arrive: the upstream bytes may be split
 * anywhere, and each complete upstream event produces zero or more complete client events. Create one with
 * {@link StreamTranslators#create}. Confined to one thread (the client connection's event loop).
 */
public interface StreamTranslator {
    /** {@link #onBytes} result: all went well. */
    int OK = 0;
    /** {@link #onBytes} result: an upstream event could not be understood (not JSON, or not the dialect's shape). */
    int MALFORMED = 1;
    /** {@link #onBytes} result: an upstream event was larger than the configured maximum. */
    int TOO_LARGE = 2;

    /**
     * Consumes every readable byte of {@code in} (advancing its reader index; the caller keeps ownership and
     * releases it) and appends the translated client events to {@code out}. After a non-{@link #OK} result the
     * stream is broken and nothing more is translated.
     */
    int onBytes(ByteBuf in, ByteBuf out);

    /**
     * Whether the upstream stream reached its terminal event and the client's terminal event has been appended
     * (OpenAI {@code data: [DONE]}, Anthropic {@code message_stop}); also true after an upstream error event was
     * translated into the client's error event, which ends the client stream too.
     */
    boolean terminal();

    /** Whether the upstream sent an error event (translated into the client dialect's error event). */
    boolean upstreamError();

    /** Number of upstream events that carried generated content (text, tool arguments, thinking). */
    int contentEvents();

    /** {@link System#nanoTime()} when the first content-bearing event was translated, or 0 if none yet. */
    long firstContentNs();
}
