package dev.sluice.codec.redact;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.redact.internal.RedactionEngine;

/**
 * Redacts a relayed answer for the journal as its bytes arrive: SSE events of either dialect (OpenAI chat or
 * Responses chunks, Anthropic message events) or the chunks of one JSON body. The text of content-bearing fields
 * ({@code content}, {@code text}, {@code arguments}, {@code partial_json}, {@code thinking},
 * {@code reasoning_content}, {@code refusal}, {@code delta}) is joined across events, so a value split between
 * events is still found: its first part becomes {@code [REDACTED:<label>]} and its later parts empty strings. Other
 * string values are scanned one by one. Made by {@link Redactor#newStreamRedaction()}.
 * <p>
 * Output stops before the first byte that could still begin a match (held back at most 8 KiB of text, 64 KiB
 * inside a PEM private key block, after which it is decided as it stands); with nothing to redact the output is
 * the input, byte for byte. No allocation once the buffers have grown to the largest event and hold-back seen.
 * <p>
 * Confined to one thread (the stream's).
 */
public final class StreamRedaction {
    private final RedactionEngine engine;

    StreamRedaction(RedactionEngine engine) {
        this.engine = engine;
    }

    /** Takes bytes exactly as relayed to the client; {@code src} is copied, not kept. */
    public void accept(byte[] src, int offset, int length) {
        requireNonNull(src, "src");
        if (offset < 0 || length < 0 || offset + length > src.length) {
            throw new IndexOutOfBoundsException(
                "offset: " + offset + ", length: " + length + " (expected: within " + src.length + " bytes)");
        }
        engine.accept(src, offset, length);
    }

    /**
     * Writes the redacted bytes that are now safe to store to {@link #out()} and adds what was redacted to
     * {@code counts}.
     *
     * @return their length; 0 when everything is held back
     */
    public int drain(RedactionCounts counts) {
        return engine.drain(counts);
    }

    /**
     * End of stream: writes everything left, redacted, to {@link #out()}.
     *
     * @return its length
     */
    public int finish(RedactionCounts counts) {
        return engine.finish(counts);
    }

    /** The buffer of the last {@link #drain}/{@link #finish}; copy it out before the next call. */
    public byte[] out() {
        return engine.out();
    }

    /** Forgets the stream so that this object serves another; its buffers are kept. */
    public void reset() {
        engine.reset();
    }
}
