package dev.sluice.proxy.internal;

import io.netty.buffer.ByteBuf;

/**
 * How one attempt's response body reaches the client, chosen once from the provider's response head: a JSON body
 * passed through ({@link JsonRelay}), an SSE stream in the client's own dialect ({@link SseRelay}), a stream
 * translated event by event ({@link TranslatedStreamRelay}) or a JSON body translated whole
 * ({@link TranslatedJsonRelay}). A relay writes through the request's {@link ClientOut}; the exchange commits the
 * head, flushes, and decides what a failure means.
 * <p>
 * Confined to the client channel's event loop.
 */
interface ResponseRelay {
    /** The bytes were relayed (or kept); go on. */
    int OK = 0;
    /** The stream's terminal event went out: the rest of the provider's response is drained, not relayed. */
    int DRAIN = 1;
    /** The response cannot be relayed and nothing went to the client: the attempt failed ({@link #failure()}). */
    int FAILED = 2;
    /** The body broke after the commit: the response ends in-band ({@link #failure()}). */
    int BROKEN = 3;

    /**
     * Relays one read of the provider's body, taking ownership of {@code buf}; {@code last} marks the end of the
     * provider's response.
     *
     * @return {@link #OK}, {@link #DRAIN}, {@link #FAILED} or {@link #BROKEN}
     */
    int onContent(ByteBuf buf, boolean last);

    /** Whether the head waits for the whole body (its length is known only at the end): no commit on first bytes. */
    default boolean commitsAtEnd() {
        return false;
    }

    /** Whether this is an SSE stream (a stream ends with a terminal event, or it was truncated). */
    default boolean stream() {
        return false;
    }

    /**
     * Called when the provider's response ended: whether the relayed body is complete (a stream saw its terminal
     * event; a JSON body is complete when its response is).
     */
    default boolean completeAtEnd() {
        return true;
    }

    /** Whether the provider reported an error inside a successful-looking stream (the END outcome is an error). */
    default boolean upstreamError() {
        return false;
    }

    /** The nanoTime of the first token: the first content event of a stream, else {@code firstByteNs}. */
    default long firstTokenNs(long firstByteNs) {
        return firstByteNs;
    }

    /** Events carrying generated content (the output estimate when the provider reports no usage); -1: no stream. */
    default long contentEvents() {
        return -1;
    }

    /** Drops the bytes of an unfinished event, so an error event can follow on a clean boundary. */
    default void discardPartial() {
    }

    /** The error code of the last {@link #FAILED} or {@link #BROKEN}: the provider's answer could not be relayed. */
    default String failureCode() {
        return "upstream_malformed";
    }

    /** The message of the last {@link #FAILED} or {@link #BROKEN}; {@code null} when there was none. */
    default String failureMessage() {
        return null;
    }

    /** Drops what the relay still holds and gives pooled parts back to {@code res}; the relay is not used again. */
    void close(LoopResources res);
}
