package dev.sluice.codec.redact.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.redact.RedactionCounts;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * Redacts JSON string values in bytes that arrive in pieces: one JSON body, or SSE events whose data lines are
 * JSON. Bytes outside string values are copied as they are; keys are never changed. With {@code joinContent},
 * the values of content-bearing fields ({@code content}, {@code text}, {@code arguments}, {@code partial_json},
 * {@code thinking}, {@code reasoning_content}, {@code refusal}, {@code delta}) are joined across events into one
 * text, so that a value split between events is still found; every other value is scanned on its own. Output
 * stops before the first source byte of text that is still undecided (see {@link TextView}).
 * <p>
 * No allocation once the buffers have grown to the largest event and hold-back seen.
 * Confined to one thread.
 */
public final class RedactionEngine {
    private static final int OUT = 0;
    private static final int STR = 1;
    private static final int ESC = 2;
    private static final int UNI = 3;

    private static final int KEY = 0;
    private static final int CONTENT = 1;
    private static final int VALUE = 2;

    /**
     * Text decided in passing once a view grows past this, so that a large value (a whole body's base64 image)
     * does not keep its text and source map (nine bytes per byte) whole. Above the longest hold-back.
     */
    private static final int SETTLE_BYTES = 2 * TextView.MAX_PEM_HOLD_BYTES;
    private static final int MAX_DEPTH = 256;
    private static final int MAX_KEY_BYTES = 32;
    private static final byte[][] CONTENT_KEYS = {
        ascii("content"), ascii("text"), ascii("arguments"), ascii("partial_json"), ascii("thinking"),
        ascii("reasoning_content"), ascii("refusal"), ascii("delta"),
    };

    private final boolean enabled;
    private final boolean joinContent;
    private final String[] labels;
    private final byte[][] replacements;
    private final Finder finder;
    private final TextView content = new TextView();
    private final TextView value = new TextView();
    private final Edits edits = new Edits();
    private final RedactionCounts pending = new RedactionCounts();
    private final byte[] stack = new byte[MAX_DEPTH];
    private final byte[] key = new byte[MAX_KEY_BYTES];

    private byte[] src = new byte[1024];
    /** Absolute position of src[0]. */
    private int base;
    private int srcLen;
    private int emitted;
    private byte[] out = new byte[1024];

    private int state;
    private int kind;
    private int depth;
    private boolean expectKey;
    private int keyLen;
    private boolean valueOpen;
    private int escStart;
    private int uni;
    private int uniDigits;
    private boolean jsonError;
    /** Loose JSON grammar, enough to tell a JSON body from text: a scalar is being read. */
    private boolean scalarRun;
    /** A value (or key) just ended: a separator must come before the next one. */
    private boolean valueDone;
    /** A key just ended: a ':' may come. */
    private boolean afterKey;

    /**
     * @param labels the label of each label index (the built-in types first)
     * @param patterns the custom patterns, with {@code patternLabel} their label indexes
     */
    public RedactionEngine(boolean builtIn, Pattern[] patterns, int[] patternLabel, String[] labels,
                           boolean joinContent) {
        requireNonNull(patterns, "patterns");
        this.enabled = builtIn || patterns.length > 0;
        this.joinContent = joinContent;
        this.labels = requireNonNull(labels, "labels");
        this.replacements = new byte[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            replacements[i] = ascii("[REDACTED:" + labels[i] + "]");
        }
        this.finder = new Finder(builtIn, patterns, patternLabel);
        reset();
    }

    /** Forgets everything; the buffers stay. */
    public void reset() {
        base = 0;
        srcLen = 0;
        emitted = 0;
        state = OUT;
        depth = 0;
        expectKey = false;
        keyLen = 0;
        valueOpen = false;
        jsonError = false;
        scalarRun = false;
        valueDone = false;
        afterKey = false;
        content.clear();
        value.clear();
        edits.clear();
        pending.clear();
    }

    /** The output buffer of the last {@link #drain}/{@link #finish}; replaced when it grows. */
    public byte[] out() {
        return out;
    }

    /** Whether bytes outside strings were not JSON, or the JSON was unbalanced (meaningful after a whole body). */
    public boolean jsonError() {
        return jsonError || state != OUT || depth != 0;
    }

    /** Copies {@code length} source bytes after those held; returns where they start. */
    private int append(byte[] b, int offset, int length) {
        ensureSrc(length);
        System.arraycopy(b, offset, src, srcLen, length);
        int start = srcLen;
        srcLen += length;
        return start;
    }

    /** Takes {@code length} more source bytes. */
    public void accept(byte[] b, int offset, int length) {
        int start = append(b, offset, length);
        if (!enabled) {
            return;
        }
        for (int i = start; i < srcLen; i++) {
            step(src[i] & 0xFF, base + i);
        }
    }

    /** Takes {@code length} bytes of plain text: every byte is text, none is JSON structure. */
    public void acceptText(byte[] b, int offset, int length) {
        int start = append(b, offset, length);
        if (!enabled) {
            return;
        }
        if (!valueOpen) {
            value.clear();
            valueOpen = true;
        }
        for (int i = start; i < srcLen; i++) {
            value.add(src[i], base + i, base + i + 1);
        }
    }

    /** Writes what is decided to {@link #out()}; returns its length. */
    public int drain(RedactionCounts counts) {
        int limit = base + srcLen;
        if (enabled) {
            limit = Math.min(limit, content.settle(false, finder, edits, pending, labels));
            if (valueOpen) {
                limit = Math.min(limit, value.settle(false, finder, edits, pending, labels));
            }
            if ((state == ESC || state == UNI) && kind != KEY) {
                // The escape's text byte does not exist yet; its source must not go out before it is judged.
                limit = Math.min(limit, escStart);
            }
        }
        return emit(limit, counts);
    }

    /** Writes everything left, redacted, to {@link #out()}; returns its length. */
    public int finish(RedactionCounts counts) {
        if (enabled) {
            content.settle(true, finder, edits, pending, labels);
            if (valueOpen) {
                value.settle(true, finder, edits, pending, labels);
                valueOpen = false;
            }
        }
        return emit(base + srcLen, counts);
    }

    private int emit(int limit, RedactionCounts counts) {
        int n = 0;
        int cursor = emitted;
        while (edits.head < edits.size && edits.from[edits.head] < limit) {
            int h = edits.head++;
            int f = edits.from[h];
            if (f > cursor) {
                n = copy(cursor, f, n);
                cursor = f;
            }
            int l = edits.label[h];
            if (l >= 0) {
                byte[] r = replacements[l];
                ensureOut(n + r.length);
                System.arraycopy(r, 0, out, n, r.length);
                n += r.length;
            }
            cursor = Math.max(cursor, edits.to[h]);
        }
        if (edits.head == edits.size) {
            edits.clear();
        }
        if (limit > cursor) {
            n = copy(cursor, limit, n);
            cursor = limit;
        }
        emitted = cursor;
        // Drop the emitted source bytes.
        int drop = emitted - base;
        if (drop > 0) {
            System.arraycopy(src, drop, src, 0, srcLen - drop);
            srcLen -= drop;
            base = emitted;
        }
        requireNonNull(counts, "counts").addAll(pending);
        pending.clear();
        return n;
    }

    private int copy(int fromAbs, int toAbs, int n) {
        int len = toAbs - fromAbs;
        ensureOut(n + len);
        System.arraycopy(src, fromAbs - base, out, n, len);
        return n + len;
    }

    private void ensureOut(int need) {
        if (need > out.length) {
            out = Arrays.copyOf(out, Math.max(need, out.length * 2));
        }
    }

    private void ensureSrc(int more) {
        if (srcLen + more > src.length) {
            src = Arrays.copyOf(src, Math.max(srcLen + more, src.length * 2));
        }
    }

    // --- JSON tokens -----------------------------------------------------------------------------------------

    private void step(int b, int pos) {
        switch (state) {
            case OUT:
                outside(b);
                return;
            case STR:
                inString(b, pos);
                return;
            case ESC:
                escape(b, pos);
                return;
            default:
                unicode(b, pos);
        }
    }

    private void outside(int b) {
        if (scalarRun && !scalarByte(b)) {
            scalarRun = false;
            valueDone = true;
        }
        switch (b) {
            case '"':
                newValue();
                if (expectKey && depth > 0 && top() == 1) {
                    kind = KEY;
                    keyLen = 0;
                } else if (joinContent && contentKey()) {
                    kind = CONTENT;
                } else {
                    kind = VALUE;
                    value.clear();
                    valueOpen = true;
                }
                state = STR;
                return;
            case '{':
                newValue();
                push(1);
                expectKey = true;
                return;
            case '[':
                newValue();
                push(0);
                expectKey = false;
                return;
            case '}':
            case ']':
                if (depth == 0) {
                    jsonError = true;
                } else {
                    depth--;
                }
                expectKey = false;
                valueDone = true;
                afterKey = false;
                return;
            case ':':
                if (!afterKey) {
                    jsonError = true;
                }
                afterKey = false;
                valueDone = false;
                expectKey = false;
                return;
            case ',':
                expectKey = depth > 0 && top() == 1;
                valueDone = false;
                afterKey = false;
                return;
            case ' ':
            case '\t':
            case '\r':
            case '\n':
                return;
            default:
                if (!scalarByte(b)) {
                    jsonError = true;
                } else if (!scalarRun) {
                    newValue();
                    scalarRun = true;
                }
        }
    }

    private void newValue() {
        if (valueDone) {
            jsonError = true;
        }
        afterKey = false;
    }

    private static boolean scalarByte(int b) {
        return b >= '0' && b <= '9' || b == '-' || b == '+' || b == '.' || b == 'e' || b == 'E'
            || b == 't' || b == 'r' || b == 'u' || b == 'f' || b == 'a' || b == 'l' || b == 's' || b == 'n';
    }

    private void inString(int b, int pos) {
        if (b == '"') {
            valueDone = true;
            if (kind == KEY) {
                expectKey = false;
                afterKey = true;
            } else if (kind == VALUE) {
                value.settle(true, finder, edits, pending, labels);
                valueOpen = false;
            }
            state = OUT;
        } else if (b == '\\') {
            escStart = pos;
            state = ESC;
        } else {
            decoded(b, pos, pos + 1);
        }
    }

    private void escape(int b, int pos) {
        int v;
        switch (b) {
            case 'u':
                uni = 0;
                uniDigits = 0;
                state = UNI;
                return;
            case 'n':
                v = '\n';
                break;
            case 't':
                v = '\t';
                break;
            case 'r':
                v = '\r';
                break;
            case 'b':
                v = '\b';
                break;
            case 'f':
                v = '\f';
                break;
            default:
                v = b;
        }
        decoded(v, escStart, pos + 1);
        state = STR;
    }

    private void unicode(int b, int pos) {
        int d = b >= '0' && b <= '9' ? b - '0' : b >= 'a' && b <= 'f' ? b - 'a' + 10 : b >= 'A' && b <= 'F' ? b - 'A' + 10 : -1;
        if (d < 0) {
            jsonError = true;
            state = STR;
            inString(b, pos);
            return;
        }
        uni = uni * 16 + d;
        if (++uniDigits < 4) {
            return;
        }
        state = STR;
        int to = pos + 1;
        // Each byte of the code point's UTF-8 form maps to the whole escape (a surrogate half encodes on its own).
        if (uni < 0x80) {
            decoded(uni, escStart, to);
        } else if (uni < 0x800) {
            decoded(0xC0 | uni >> 6, escStart, to);
            decoded(0x80 | uni & 0x3F, escStart, to);
        } else {
            decoded(0xE0 | uni >> 12, escStart, to);
            decoded(0x80 | uni >> 6 & 0x3F, escStart, to);
            decoded(0x80 | uni & 0x3F, escStart, to);
        }
    }

    private void decoded(int b, int from, int to) {
        if (kind == KEY) {
            if (keyLen < MAX_KEY_BYTES) {
                key[keyLen] = (byte) b;
            }
            keyLen++;
        } else {
            TextView view = kind == CONTENT ? content : value;
            view.add(b, from, to);
            if (view.length() > SETTLE_BYTES) {
                view.settle(false, finder, edits, pending, labels);
            }
        }
    }

    private boolean contentKey() {
        for (byte[] k : CONTENT_KEYS) {
            if (k.length == keyLen && Arrays.equals(k, 0, keyLen, key, 0, keyLen)) {
                return true;
            }
        }
        return false;
    }

    private void push(int objectBit) {
        if (depth < MAX_DEPTH) {
            stack[depth] = (byte) objectBit;
        }
        depth++;
    }

    private int top() {
        // Deeper than the stack: take it as an object (keys are then recognised, values still scanned).
        return depth <= MAX_DEPTH ? stack[depth - 1] : 1;
    }

    private static byte[] ascii(String s) {
        byte[] b = new byte[s.length()];
        for (int k = 0; k < b.length; k++) {
            b[k] = (byte) s.charAt(k);
        }
        return b;
    }
}
