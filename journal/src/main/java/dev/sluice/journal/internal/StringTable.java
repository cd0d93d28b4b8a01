package dev.sluice.journal.internal;

import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;

/**
 * Turns UTF-8 byte ranges into canonical Strings: the same bytes always give the same String instance, and a
 * range seen before allocates nothing. Journal tags (keys, teams, projects, models) repeat across millions of
 * records, so a reader that keeps them pays for each distinct value once. Past {@link #MAX_ENTRIES} distinct
 * values new ones are still decoded, just not remembered, which bounds the memory a hostile journal can cost.
 * <p>
 * Confined to one thread.
 */
public final class StringTable {
    /** Distinct values remembered at most. */
    public static final int MAX_ENTRIES = 1 << 16;

    private byte[][] keys = new byte[256][];
    private String[] values = new String[256];
    private int size;

    /** The String of {@code length} UTF-8 bytes at {@code offset} in {@code src}. */
    public String get(DirectBuffer src, int offset, int length) {
        int hash = hash(src, offset, length);
        int mask = keys.length - 1;
        for (int i = hash & mask; ; i = (i + 1) & mask) {
            byte[] key = keys[i];
            if (key == null) {
                byte[] copy = new byte[length];
                src.getBytes(offset, copy, 0, length);
                String value = new String(copy, StandardCharsets.UTF_8);
                if (size < MAX_ENTRIES) {
                    keys[i] = copy;
                    values[i] = value;
                    if (++size * 2 > keys.length) {
                        grow();
                    }
                }
                return value;
            }
            if (equal(key, src, offset, length)) {
                return values[i];
            }
        }
    }

    /** Distinct values remembered. */
    public int size() {
        return size;
    }

    private void grow() {
        byte[][] oldKeys = keys;
        String[] oldValues = values;
        keys = new byte[oldKeys.length * 2][];
        values = new String[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int j = 0; j < oldKeys.length; j++) {
            byte[] key = oldKeys[j];
            if (key == null) {
                continue;
            }
            int i = hash(key) & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = key;
            values[i] = oldValues[j];
        }
    }

    private static boolean equal(byte[] key, DirectBuffer src, int offset, int length) {
        if (key.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (key[i] != src.getByte(offset + i)) {
                return false;
            }
        }
        return true;
    }

    private static int hash(DirectBuffer src, int offset, int length) {
        int h = 1;
        for (int i = 0; i < length; i++) {
            h = 31 * h + src.getByte(offset + i);
        }
        return mix(h);
    }

    private static int hash(byte[] key) {
        int h = 1;
        for (byte b : key) {
            h = 31 * h + b;
        }
        return mix(h);
    }

    private static int mix(int h) {
        // Spread the low bits: the table index is h & mask.
        return h ^ (h >>> 16);
    }
}
