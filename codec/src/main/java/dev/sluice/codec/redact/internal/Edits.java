package dev.sluice.codec.redact.internal;

import java.util.Arrays;

/**
 * Pending rewrites of the source bytes, ordered by where they start (absolute stream positions): replace
 * {@code from..to} by the replacement of a label, or delete it (label -1). Grows to the largest number pending at
 * once, then allocates no more.
 * <p>
 * Confined to one thread.
 */
final class Edits {
    int[] from = new int[16];
    int[] to = new int[16];
    int[] label = new int[16];
    int head;
    int size;

    void clear() {
        head = 0;
        size = 0;
    }

    void add(int f, int t, int l) {
        if (size == from.length) {
            if (head > 0) {
                compact();
            } else {
                from = Arrays.copyOf(from, size * 2);
                to = Arrays.copyOf(to, size * 2);
                label = Arrays.copyOf(label, size * 2);
            }
        }
        // Usually appended; a joined-text match may land before edits of values that closed after it started.
        int i = size;
        while (i > head && from[i - 1] > f) {
            from[i] = from[i - 1];
            to[i] = to[i - 1];
            label[i] = label[i - 1];
            i--;
        }
        from[i] = f;
        to[i] = t;
        label[i] = l;
        size++;
    }

    private void compact() {
        int n = size - head;
        System.arraycopy(from, head, from, 0, n);
        System.arraycopy(to, head, to, 0, n);
        System.arraycopy(label, head, label, 0, n);
        head = 0;
        size = n;
    }
}
