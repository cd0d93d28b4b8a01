package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;

/**
 * A rough token count for admission and budget reservations before the provider reports real usage.
 * Thread-safe (stateless).
 */
public final class TokenEstimator {
    /** The usual ratio of UTF-8 bytes to tokens for English text and JSON on current tokenisers. */
    public static final int BYTES_PER_TOKEN = 4;

    private TokenEstimator() {
    }

    /**
     * Returns an ESTIMATE of the tokens in {@code body[from, to)}: the byte count divided by
     * {@link #BYTES_PER_TOKEN}, rounded up. It reads no bytes and is not a tokeniser; real counts differ by
     * language and content. Indices are absolute buffer indices.
     *
     * @throws IndexOutOfBoundsException when the range is not inside the buffer's capacity
     */
    public static long estimateTokens(ByteBuf body, int from, int to) {
        requireNonNull(body, "body");
        if (from < 0 || to < from || to > body.capacity()) {
            throw new IndexOutOfBoundsException("range: [" + from + ", " + to + ") (expected: within 0.."
                    + body.capacity() + ")");
        }
        return ((long) (to - from) + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
    }
}
