package dev.sluice.codec.redact.internal;

import dev.sluice.codec.redact.RedactionCounts;

import java.util.Arrays;

/**
 * Decoded text of one or more JSON string values, joined, with the source range of each text byte (absolute
 * stream positions; the bytes of one escape all map to the whole escape). Detection runs on the text; a match
 * becomes edits of the source: its first source segment is replaced by the label, the segments after it (in later
 * string values) are deleted. Index 0 holds one byte of left context and is never part of a match.
 * <p>
 * Confined to one thread.
 */
final class TextView {
    /** Longest undecided text held back before it is decided as if the text ended there. */
    static final int MAX_HOLD_BYTES = 8 * 1024;
    /** Longest PEM block held back waiting for its END line before what there is of it is redacted. */
    static final int MAX_PEM_HOLD_BYTES = 64 * 1024;
    /** {@link #settle} result when nothing is held back. */
    static final int NOTHING_HELD = Integer.MAX_VALUE;

    private byte[] text = new byte[256];
    private int[] srcFrom = new int[256];
    private int[] srcTo = new int[256];
    private int len;
    /** A PEM block whose start was redacted, forced out before its END line, continues at index 1. */
    private boolean pemTail;

    TextView() {
        clear();
    }

    void clear() {
        text[0] = 0;
        len = 1;
        pemTail = false;
    }

    int length() {
        return len;
    }

    void add(int b, int from, int to) {
        if (len == text.length) {
            text = Arrays.copyOf(text, len * 2);
            srcFrom = Arrays.copyOf(srcFrom, len * 2);
            srcTo = Arrays.copyOf(srcTo, len * 2);
        }
        text[len] = (byte) b;
        srcFrom[len] = from;
        srcTo[len] = to;
        len++;
    }

    /**
     * Decides what can be decided: commits the matches that no further text can change as edits, counts them
     * into {@code pending}, and drops the decided text.
     *
     * @return the source position of the first byte held back, or {@link #NOTHING_HELD}
     */
    int settle(boolean fin, Finder f, Edits edits, RedactionCounts pending, String[] labels) {
        int p = 1;
        if (pemTail) {
            int e = f.detectors.pemTail(text, 1, len, fin);
            if (e < 0) {
                if (len - 1 <= MAX_PEM_HOLD_BYTES) {
                    return len > 1 ? srcFrom[1] : NOTHING_HELD;
                }
                e = len;
            } else {
                pemTail = false;
            }
            if (e > 1) {
                commit(1, e, BuiltInDetectors.SECRET, edits);
            }
            p = e;
        }
        int h = scan(p, fin, f, edits, pending, labels);
        if (h < len && len - h > (f.holdIsPem ? MAX_PEM_HOLD_BYTES : MAX_HOLD_BYTES)) {
            h = scan(h, true, f, edits, pending, labels);
        }
        int held = h < len ? srcFrom[h] : NOTHING_HELD;
        // Keep one byte before the held text as left context for the detectors.
        int keep = h - 1;
        if (keep > 0) {
            int n = len - keep;
            System.arraycopy(text, keep, text, 0, n);
            System.arraycopy(srcFrom, keep, srcFrom, 0, n);
            System.arraycopy(srcTo, keep, srcTo, 0, n);
            len = n;
        }
        return held;
    }

    /** Commits matches from {@code p}; returns the index of the first byte held back ({@code len} for none). */
    private int scan(int p, boolean fin, Finder f, Edits edits, RedactionCounts pending, String[] labels) {
        while (p < len) {
            int r = f.find(text, p, len, fin);
            if (r == BuiltInDetectors.FOUND) {
                commit(f.matchStart, f.matchEnd, f.matchLabel, edits);
                pending.add(labels[f.matchLabel], 1);
                if (f.pemUnterminated) {
                    pemTail = true;
                }
                p = f.matchEnd;
            } else if (r == BuiltInDetectors.HOLD) {
                return f.holdAt;
            } else {
                return len;
            }
        }
        return len;
    }

    private void commit(int start, int end, int label, Edits edits) {
        int segFrom = srcFrom[start];
        int segTo = srcTo[start];
        boolean first = true;
        for (int j = start + 1; j < end; j++) {
            if (srcFrom[j] <= segTo) {
                segTo = Math.max(segTo, srcTo[j]);
            } else {
                edits.add(segFrom, segTo, first ? label : -1);
                first = false;
                segFrom = srcFrom[j];
                segTo = srcTo[j];
            }
        }
        edits.add(segFrom, segTo, first ? label : -1);
    }
}
