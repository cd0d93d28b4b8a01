package dev.sluice.codec.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SIMD-within-a-register helpers: eight bytes of a {@code byte[]} read as one little-endian {@code long} and
 * searched for a byte value with a few ALU operations instead of eight compares. Thread-safe (stateless).
 */
public final class Swar {
    /** Reads past the end of a search range load up to this many bytes beyond it; arrays must have that slack. */
    public static final int SLACK_BYTES = Long.BYTES;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;
    private static final long LOWERCASE_OFFSET = 0x1F1F1F1F1F1F1F1FL;
    private static final long LF = broadcast((byte) '\n');
    private static final long CR = broadcast((byte) '\r');

    private Swar() {
    }

    /** The eight bytes at {@code index} as a little-endian long: {@code bytes[index]} is the lowest byte. */
    public static long getLong(byte[] bytes, int index) {
        return (long) LONG_LE.get(bytes, index);
    }

    /** {@code b} repeated in all eight bytes. */
    public static long broadcast(byte b) {
        return (b & 0xFFL) * 0x0101010101010101L;
    }

    /**
     * The high bit of every byte of {@code word} equal to the byte in {@code pattern} ({@link #broadcast}), and no
     * other bit. Exact for every byte (the carry-free form), so callers may walk all the set bits.
     */
    public static long matches(long word, long pattern) {
        long x = word ^ pattern;
        return ~(((x & LOW7) + LOW7) | x | LOW7);
    }

    /**
     * The high bit of every byte of {@code word} that is a lowercase ASCII letter or above ({@code >= 'a'}, any
     * byte of a multi-byte UTF-8 character included), and no other bit.
     */
    public static long atLeastLowercase(long word) {
        // Seven-bit bytes plus 0x1F reach 0x80 exactly from 'a' up, and cannot carry into the next byte.
        return (((word & LOW7) + LOWERCASE_OFFSET) | word) & ~LOW7;
    }

    /** Index of the byte that {@code bit} (one set bit of a {@link #matches} mask) marks, in a word read at {@code base}. */
    public static int index(int base, long bit) {
        return base + (Long.numberOfTrailingZeros(bit) >>> 3);
    }

    /**
     * Index of the first {@code '\n'} or {@code '\r'} in {@code bytes[from, to)}, or -1. Reads up to
     * {@link #SLACK_BYTES} bytes past {@code to}, which must exist in the array.
     */
    public static int indexOfLineEnd(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i += Long.BYTES) {
            long word = getLong(bytes, i);
            long hits = matches(word, LF) | matches(word, CR);
            if (hits != 0) {
                int at = index(i, hits);
                return at < to ? at : -1;
            }
        }
        return -1;
    }
}
