package dev.sluice.codec.redact;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.redact.internal.RedactionEngine;

/**
 * Redacts whole bodies (a request body, a non-stream answer) for the journal. Every JSON string value is scanned on
 * its own; keys and structure are copied as they are. A body that is not JSON is scanned as one text.
 * Made by {@link Redactor#newJsonRedaction()}; reusable across bodies, no allocation once its buffers have grown.
 * <p>
 * Confined to one thread.
 */
public final class JsonRedaction {
    private final RedactionEngine engine;

    JsonRedaction(RedactionEngine engine) {
        this.engine = engine;
    }

    /**
     * Redacts {@code src[offset, offset + length)} into {@link #out()}, adding what was redacted to {@code counts}.
     * {@code src} is not changed or kept.
     *
     * @return the length of the redacted bytes at the start of {@link #out()}
     */
    public int redact(byte[] src, int offset, int length, RedactionCounts counts) {
        requireNonNull(src, "src");
        requireNonNull(counts, "counts");
        if (offset < 0 || length < 0 || offset + length > src.length) {
            throw new IndexOutOfBoundsException(
                "offset: " + offset + ", length: " + length + " (expected: within " + src.length + " bytes)");
        }
        engine.reset();
        engine.accept(src, offset, length);
        if (engine.jsonError()) {
            engine.reset();
            engine.acceptText(src, offset, length);
        }
        return engine.finish(counts);
    }

    /**
     * The buffer holding the last {@link #redact} result; the caller copies it out before the next call, which may
     * overwrite or replace it.
     */
    public byte[] out() {
        return engine.out();
    }
}
