package dev.sluice.codec.internal;

import dev.sluice.codec.Endpoint;

import io.netty.buffer.ByteBuf;

import java.util.Arrays;

/**
 * Finds and classifies whole SSE events without touching each byte through the lexer: the bytes are copied into
 * a window, line ends are found eight bytes at a time, and the one data line is judged by the
 * {@link DataClassifier}. It takes only the common shapes: optional comment, {@code event:} and other field lines
 * and at most one {@code data:} line, all inside one buffer and within the event size limit. Anything else, or
 * any data the classifier is unsure of, is handed back ({@link #SLOW}) at the event's first byte for the
 * {@link SseByteMachine}, whose results it reproduces exactly (see {@link DataClassifier} for the one caveat).
 * Confined to one thread.
 */
public final class SseFastPath {
    /** {@link #next} result: an event was found, see {@link #eventEnd()} and {@link #eventFlags()}. */
    public static final int EVENT = 0;
    /** {@link #next} result: the event starting at {@link #resumeIndex()} needs the byte-at-a-time path. */
    public static final int SLOW = 1;
    /** {@link #next} result: only stray blank lines were left; {@link #resumeIndex()} is the end. */
    public static final int END = 2;

    /** Bytes copied per window: a few typical events, small enough to keep per stream. */
    static final int WINDOW_BYTES = 4096;
    /** Zero bytes before the window, so eight-byte reads ending near its start stay inside the array. */
    private static final int PAD = Long.BYTES;
    private static final int NEED_MORE = 3;
    private static final int WINDOW_DONE = 4;

    private static final byte[] DATA_COLON = {'d', 'a', 't', 'a', ':'};
    private static final byte[] EVENT_COLON = {'e', 'v', 'e', 'n', 't', ':'};
    private static final byte[] DONE_DATA = {'[', 'D', 'O', 'N', 'E', ']'};

    private final int maxEventBytes;
    private final DataClassifier classifier = new DataClassifier();
    private final byte[] window = new byte[PAD + WINDOW_BYTES + Swar.SLACK_BYTES];
    private final byte[] lastName = new byte[Words.MAX_LENGTH];
    private int lastNameLength = -1;
    private int lastNameWord;
    private Endpoint endpoint = Endpoint.CHAT_COMPLETIONS;
    /** Buffer index of {@code window[PAD]}, and how many bytes the window holds. */
    private int base;
    private int length;
    private int eventStart;
    private int eventEnd;
    private int eventFlags;
    private int resumeIndex;

    /**
     * @param maxEventBytes the largest event accepted, counting its lines and their terminators
     */
    public SseFastPath(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /** Starts a new stream on {@code e}. */
    public void reset(Endpoint e) {
        endpoint = e;
        classifier.reset(e);
        length = 0;
    }

    /** Forgets the window: the next {@link #next} call scans a different buffer. */
    public void newBuffer() {
        length = 0;
    }

    /**
     * Scans from {@code from}, which must be at an event boundary, for the next event in {@code buf[from, to)}.
     *
     * @return {@link #EVENT}, {@link #SLOW} or {@link #END}
     */
    public int next(ByteBuf buf, int from, int to) {
        int at = from;
        while (true) {
            if (at < base || at >= base + length) {
                if (at >= to) {
                    resumeIndex = to;
                    return END;
                }
                fill(buf, at, to);
            }
            int r = parse(at - base + PAD);
            if (r == EVENT) {
                return EVENT;
            }
            if (r == WINDOW_DONE) {
                at = base + length;
            } else if (r == NEED_MORE && base + length < to && eventStart > base) {
                // The event runs past the window but not past the buffer: slide the window to its start.
                at = eventStart;
                fill(buf, at, to);
            } else {
                resumeIndex = eventStart;
                return SLOW;
            }
        }
    }

    /** Absolute index just past the blank line of the event {@link #next} found. */
    public int eventEnd() {
        return eventEnd;
    }

    /** Flags of the event {@link #next} found (see {@link EventFlags}). */
    public int eventFlags() {
        return eventFlags;
    }

    /** Where the byte-at-a-time path must continue after {@link #SLOW} or {@link #END}. */
    public int resumeIndex() {
        return resumeIndex;
    }

    private void fill(ByteBuf buf, int at, int to) {
        int n = Math.min(to - at, WINDOW_BYTES);
        buf.getBytes(at, window, PAD, n);
        base = at;
        length = n;
    }

    /** Parses the event at window offset {@code s}; sets {@link #eventStart} on every result but WINDOW_DONE. */
    private int parse(int s) {
        byte[] w = window;
        int limit = PAD + length;
        int p = skipBlankLines(s, limit);
        if (p < 0) {
            eventStart = base - p - PAD;
            return NEED_MORE;
        }
        eventStart = base + p - PAD;
        if (p == limit) {
            return WINDOW_DONE;
        }
        int start = p;
        boolean hasField = false;
        int eventWord = Words.NONE;
        int dataFrom = -1;
        int dataTo = -1;
        while (p < limit) {
            byte c = w[p];
            if (c == '\n' || c == '\r') {
                // The blank line: the event's bytes are counted up to it, plus its CR (as the byte machine does).
                int counted = p - start;
                int end = p + 1;
                if (c == '\r') {
                    if (end >= limit) {
                        return NEED_MORE;
                    }
                    counted++;
                    if (w[end] == '\n') {
                        end++;
                    }
                }
                if (counted > maxEventBytes) {
                    return SLOW;
                }
                return finish(end, hasField, eventWord, dataFrom, dataTo);
            }
            int lineEnd = Swar.indexOfLineEnd(w, p, limit);
            if (lineEnd < 0) {
                return NEED_MORE;
            }
            if (c != ':') {
                hasField = true;
                if (startsWith(w, p, lineEnd, DATA_COLON)) {
                    if (dataFrom >= 0) {
                        // Several data lines join with newlines (7.3): leave that to the lexer.
                        return SLOW;
                    }
                    dataFrom = valueStart(w, p + DATA_COLON.length, lineEnd);
                    dataTo = lineEnd;
                } else if (startsWith(w, p, lineEnd, EVENT_COLON)) {
                    int v = valueStart(w, p + EVENT_COLON.length, lineEnd);
                    eventWord = eventWord(v, lineEnd - v);
                } else if (bareField(w, p, lineEnd)) {
                    return SLOW;
                }
            }
            p = lineEnd + 1;
            if (w[lineEnd] == '\r') {
                if (p >= limit) {
                    return NEED_MORE;
                }
                if (w[p] == '\n') {
                    p++;
                }
            }
        }
        return NEED_MORE;
    }

    /**
     * Skips blank lines that end no event. Returns the offset of the first other byte (or {@code limit}), or
     * minus the offset of a CR at the window's end that might be half of a CRLF.
     */
    private int skipBlankLines(int p, int limit) {
        byte[] w = window;
        while (p < limit) {
            byte c = w[p];
            if (c == '\n') {
                p++;
            } else if (c == '\r') {
                if (p + 1 >= limit) {
                    return -p;
                }
                p += w[p + 1] == '\n' ? 2 : 1;
            } else {
                break;
            }
        }
        return p;
    }

    private int eventWord(int from, int n) {
        // A stream repeats a few names: comparing with the last one is cheaper than hashing it again.
        if (n == lastNameLength && Arrays.equals(window, from, from + n, lastName, 0, n)) {
            return lastNameWord;
        }
        int word = Words.lookupAt(window, from, n);
        if (n <= lastName.length) {
            System.arraycopy(window, from, lastName, 0, n);
            lastNameLength = n;
            lastNameWord = word;
        }
        return word;
    }

    private int finish(int end, boolean hasField, int eventWord, int dataFrom, int dataTo) {
        boolean done = false;
        boolean content = false;
        if (dataFrom >= 0) {
            if (dataTo - dataFrom == DONE_DATA.length && equal(window, dataFrom, DONE_DATA, DONE_DATA.length)) {
                // The lexer finds nothing in [DONE]: an array holding bytes it ignores.
                done = true;
            } else {
                int r = classifier.classify(window, dataFrom, dataTo, eventWord);
                if (r == DataClassifier.UNSURE) {
                    return SLOW;
                }
                content = r == DataClassifier.CONTENT;
            }
        }
        // The classifier vouched that no document type, error or empty choices can be in the data.
        eventFlags = EventFlags.of(endpoint, hasField, eventWord, Words.NONE, false, false, content, done);
        eventEnd = base + end - PAD;
        return EVENT;
    }

    private static int valueStart(byte[] w, int afterColon, int lineEnd) {
        return afterColon < lineEnd && w[afterColon] == ' ' ? afterColon + 1 : afterColon;
    }

    /** A line that is just {@code data} or {@code event}: a field with an empty value, left to the byte machine. */
    private static boolean bareField(byte[] w, int p, int lineEnd) {
        int n = lineEnd - p;
        return n == DATA_COLON.length - 1 && equal(w, p, DATA_COLON, n)
                || n == EVENT_COLON.length - 1 && equal(w, p, EVENT_COLON, n);
    }

    /** Whether {@code w[p, end)} starts with {@code prefix}. */
    private static boolean startsWith(byte[] w, int p, int end, byte[] prefix) {
        return end - p >= prefix.length && equal(w, p, prefix, prefix.length);
    }

    private static boolean equal(byte[] w, int p, byte[] expected, int n) {
        for (int k = 0; k < n; k++) {
            if (w[p + k] != expected[k]) {
                return false;
            }
        }
        return true;
    }
}
