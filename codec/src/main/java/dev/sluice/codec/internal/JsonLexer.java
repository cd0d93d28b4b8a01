package dev.sluice.codec.internal;

import static java.util.Objects.requireNonNull;

/**
 * A tolerant, push-style JSON lexer fed one byte at a time, so a document may arrive in any number of pieces.
 * It does not validate: it tracks strings, escapes, nesting and member names well enough to tell a
 * {@link JsonSink} where each scalar value sits, and ignores bytes it does not understand. Keys and short
 * string values are identified against {@link Words}; nothing is allocated per byte or per value.
 *
 * <p>A member name is given to the values that follow it only until the next comma or closing bracket, which end
 * the member: on malformed JSON a string that comes later without a name of its own (after a trailing comma or a
 * stray bracket) is reported with no key rather than as a second value of a member already ended, possibly of an
 * object already closed. On well-formed JSON nothing changes, as a value always follows its name directly; the
 * {@link DataClassifier} relies on it to accept {@code "finish_reason":null} followed by a comma or brackets.
 * Confined to one thread.
 */
public final class JsonLexer {
    public static final int KIND_STRING = 1;
    public static final int KIND_NUMBER = 2;
    public static final int KIND_TRUE = 3;
    public static final int KIND_FALSE = 4;
    public static final int KIND_NULL = 5;
    public static final int KIND_OBJECT = 6;
    public static final int KIND_ARRAY = 7;
    /** Reported when an array closes with no element ({@code []}), with the array's own position. */
    public static final int KIND_EMPTY_ARRAY = 8;

    /** Containers deeper than this are still balanced but their keys are reported as unknown. */
    static final int MAX_TRACKED_DEPTH = 64;
    /** Token counts above this are not integers we care about; parsing stops before a long could overflow. */
    private static final long NUMBER_LIMIT = 1L << 50;

    private static final int S_STRUCTURE = 0;
    private static final int S_STRING = 1;
    private static final int S_ESCAPE = 2;
    private static final int S_NUMBER = 3;
    private static final int S_LITERAL = 4;

    private final JsonSink sink;
    private final int[] containerKeys = new int[MAX_TRACKED_DEPTH + 1];
    private final byte[] scratch = new byte[Words.MAX_LENGTH];
    private long arrayBits;
    private int depth;
    private int state;
    private int memberKey;
    private boolean expectKey;
    private boolean stringIsKey;
    private boolean arrayJustOpened;
    private int stringLength;
    private int stringHash;
    private long number;
    private boolean numberIsCount;
    private int valueDepth;
    private int valueContainerKey;
    private int valueKey;

    public JsonLexer(JsonSink sink) {
        this.sink = requireNonNull(sink, "sink");
    }

    /** Forgets everything, ready for a new document. */
    public void reset() {
        arrayBits = 0;
        depth = 0;
        state = S_STRUCTURE;
        memberKey = Words.NONE;
        expectKey = false;
        stringIsKey = false;
        arrayJustOpened = false;
        stringLength = 0;
        stringHash = 0;
    }

    /**
     * Whether the lexer is inside a string longer than any word it matches: the string's bytes up to the next quote
     * or backslash change nothing but its length, so a caller may count them with {@link #skipStringBytes} instead
     * of passing each to {@link #accept}.
     */
    public boolean inLongString() {
        return state == S_STRING && stringLength >= Words.MAX_LENGTH;
    }

    /** Counts {@code n} bytes of a long string, none of them a quote or a backslash (see {@link #inLongString}). */
    public void skipStringBytes(int n) {
        stringLength += n;
    }

    /** Consumes one byte of the document. */
    public void accept(byte b) {
        switch (state) {
            case S_STRING:
                if (b == '"') {
                    state = S_STRUCTURE;
                    endString();
                    return;
                }
                if (b == '\\') {
                    state = S_ESCAPE;
                }
                appendStringByte(b);
                return;
            case S_ESCAPE:
                state = S_STRING;
                appendStringByte(b);
                return;
            case S_NUMBER:
                if (b >= '0' && b <= '9') {
                    if (numberIsCount) {
                        if (number > NUMBER_LIMIT) {
                            numberIsCount = false;
                        } else {
                            number = number * 10 + (b - '0');
                        }
                    }
                    return;
                }
                if (b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
                    numberIsCount = false;
                    return;
                }
                state = S_STRUCTURE;
                sink.onValue(valueDepth, valueContainerKey, valueKey, KIND_NUMBER, numberIsCount ? number : -1, 0, 0);
                break;
            case S_LITERAL:
                if (b >= 'a' && b <= 'z') {
                    return;
                }
                state = S_STRUCTURE;
                break;
            default:
                break;
        }
        structure(b);
    }

    private void structure(byte b) {
        if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
            return;
        }
        boolean emptyArray = arrayJustOpened;
        arrayJustOpened = false;
        switch (b) {
            case '{':
                captureValueContext();
                sink.onValue(valueDepth, valueContainerKey, valueKey, KIND_OBJECT, -1, 0, 0);
                push(false, valueKey);
                expectKey = true;
                return;
            case '[':
                captureValueContext();
                sink.onValue(valueDepth, valueContainerKey, valueKey, KIND_ARRAY, -1, 0, 0);
                push(true, valueKey);
                expectKey = false;
                arrayJustOpened = true;
                return;
            case '}':
                pop();
                return;
            case ']':
                if (emptyArray && depth > 0) {
                    int arrayKey = trackedKey(depth);
                    int parent = depth - 1;
                    sink.onValue(parent, trackedKey(parent), arrayKey, KIND_EMPTY_ARRAY, -1, 0, 0);
                }
                pop();
                return;
            case ',':
                // The comma ends the member: its name must not reach a value that follows without one.
                memberKey = Words.NONE;
                expectKey = inObject();
                return;
            case '"':
                stringIsKey = expectKey && inObject();
                if (!stringIsKey) {
                    captureValueContext();
                }
                stringLength = 0;
                stringHash = 0;
                state = S_STRING;
                return;
            case 't':
                literal(KIND_TRUE);
                return;
            case 'f':
                literal(KIND_FALSE);
                return;
            case 'n':
                literal(KIND_NULL);
                return;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    captureValueContext();
                    numberIsCount = b != '-';
                    number = numberIsCount ? b - '0' : 0;
                    state = S_NUMBER;
                }
        }
    }

    private void literal(int kind) {
        captureValueContext();
        state = S_LITERAL;
        sink.onValue(valueDepth, valueContainerKey, valueKey, kind, -1, 0, 0);
    }

    private void appendStringByte(byte b) {
        if (stringLength < Words.MAX_LENGTH) {
            scratch[stringLength] = b;
            stringHash = Words.hashStep(stringHash, b);
        }
        stringLength++;
    }

    private void endString() {
        int word = Words.lookup(scratch, stringLength, stringHash);
        if (stringIsKey) {
            memberKey = word;
            expectKey = false;
        } else {
            sink.onValue(valueDepth, valueContainerKey, valueKey, KIND_STRING, -1, word, stringLength);
        }
    }

    private void captureValueContext() {
        valueDepth = depth;
        if (depth == 0 || depth > MAX_TRACKED_DEPTH) {
            valueContainerKey = Words.NONE;
            valueKey = Words.NONE;
        } else {
            valueContainerKey = containerKeys[depth];
            valueKey = isArray(depth) ? containerKeys[depth] : memberKey;
        }
    }

    private void push(boolean array, int key) {
        depth++;
        if (depth <= MAX_TRACKED_DEPTH) {
            containerKeys[depth] = key;
            long bit = 1L << (depth - 1);
            arrayBits = array ? arrayBits | bit : arrayBits & ~bit;
        }
    }

    private void pop() {
        if (depth > 0) {
            depth--;
        }
        // A closing bracket ends the member holding the container, and any member of the container itself.
        memberKey = Words.NONE;
        expectKey = false;
    }

    private boolean inObject() {
        return depth > 0 && (depth > MAX_TRACKED_DEPTH || !isArray(depth));
    }

    private boolean isArray(int d) {
        return (arrayBits & (1L << (d - 1))) != 0;
    }

    private int trackedKey(int d) {
        return d == 0 || d > MAX_TRACKED_DEPTH ? Words.NONE : containerKeys[d];
    }
}
