package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Validates a JSON request body and records the top-level members the gateway routes and admits on, without
 * building a tree: one pass, linear time, no recursion (nesting is an explicit depth counter and a 64-bit stack
 * of container kinds), no allocation. Strings are checked for escapes (four-hex-digit unicode escapes included)
 * and control characters; numbers, literals, nesting, commas and trailing bytes are checked structurally. UTF-8
 * byte sequences are not validated. Reusable; confined to one thread (the event loop).
 */
public final class RequestScanner {
    public static final int OK = 0;
    /** The body has no JSON value (empty or whitespace only). */
    public static final int EMPTY_BODY = 1;
    public static final int MALFORMED_JSON = 2;
    /** The body is JSON but its top-level value is not an object. */
    public static final int NOT_AN_OBJECT = 3;
    /** Nesting deeper than {@link #MAX_DEPTH}. */
    public static final int TOO_DEEP = 4;
    public static final int MODEL_NOT_STRING = 5;
    /** {@code stream} is neither a boolean nor null. */
    public static final int STREAM_NOT_BOOLEAN = 6;
    /** {@code stream_options} is not an object or null, or its {@code include_usage} is not a boolean or null. */
    public static final int STREAM_OPTIONS_INVALID = 7;
    /** A max-tokens member is not a non-negative integer (or null). */
    public static final int MAX_TOKENS_INVALID = 8;
    /** A member this scanner records appears twice at its level: providers would take the last, we the first. */
    public static final int DUPLICATE_KEY = 9;

    /** The deepest nesting accepted; deeper bodies get {@link #TOO_DEEP}. */
    public static final int MAX_DEPTH = 64;
    /** Larger max-tokens values are refused rather than risk overflow in budget arithmetic. */
    public static final long MAX_TOKENS_LIMIT = 1_000_000_000_000L;

    private static final String[] CODE_NAMES = {"ok", "empty_body", "malformed_json", "not_an_object", "too_deep",
        "model_not_string", "stream_not_boolean", "stream_options_invalid", "max_tokens_invalid", "duplicate_key"};

    // Top-level members, as bits so duplicates are cheap to detect.
    private static final int K_NONE = 0;
    private static final int K_MODEL = 1;
    private static final int K_STREAM = 1 << 1;
    private static final int K_STREAM_OPTIONS = 1 << 2;
    private static final int K_MAX_COMPLETION_TOKENS = 1 << 3;
    private static final int K_MAX_TOKENS = 1 << 4;
    private static final int K_MAX_OUTPUT_TOKENS = 1 << 5;
    private static final int K_USER = 1 << 6;
    private static final int K_METADATA = 1 << 7;
    private static final int K_INCLUDE_USAGE = 1 << 8;

    private static final byte[][] TOP_NAMES = {ascii("model"), ascii("stream"), ascii("stream_options"),
        ascii("max_completion_tokens"), ascii("max_tokens"), ascii("max_output_tokens"), ascii("user"),
        ascii("metadata")};
    private static final int[] TOP_KEYS = {K_MODEL, K_STREAM, K_STREAM_OPTIONS, K_MAX_COMPLETION_TOKENS,
        K_MAX_TOKENS, K_MAX_OUTPUT_TOKENS, K_USER, K_METADATA};
    private static final byte[] INCLUDE_USAGE = ascii("include_usage");
    private static final int MAX_KEY_BYTES = 32;

    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");

    private static final int ST_START = 0;
    private static final int ST_VALUE = 1;
    private static final int ST_VALUE_OR_END = 2;
    private static final int ST_KEY_OR_END = 3;
    private static final int ST_KEY = 4;
    private static final int ST_COLON = 5;
    private static final int ST_AFTER_VALUE = 6;
    private static final int ST_END = 7;
    private static final int ST_STRING = 8;
    private static final int ST_ESCAPE = 9;
    private static final int ST_UNICODE = 10;
    private static final int ST_NUM_MINUS = 11;
    private static final int ST_NUM_ZERO = 12;
    private static final int ST_NUM_INT = 13;
    private static final int ST_NUM_DOT = 14;
    private static final int ST_NUM_FRAC = 15;
    private static final int ST_NUM_E = 16;
    private static final int ST_NUM_E_SIGN = 17;
    private static final int ST_NUM_EXP = 18;
    private static final int ST_LITERAL = 19;

    private static final int V_STRING = 1;
    private static final int V_NUMBER = 2;
    private static final int V_TRUE = 3;
    private static final int V_FALSE = 4;
    private static final int V_NULL = 5;
    private static final int V_OBJECT = 6;
    private static final int V_ARRAY = 7;

    private final ByteProcessor processor = this::process;
    private final byte[] keyScratch = new byte[MAX_KEY_BYTES];
    private boolean keyDecoded;

    private ByteBuf buf;
    private RequestFacts facts;
    private int error;
    private int pos;
    private int state;
    private int depth;
    private long arrayBits;

    private boolean stringIsKey;
    private boolean stringHasEscape;
    private int stringStart;
    private int unicodeLeft;
    private byte[] literal;
    private int literalPos;
    private int literalKind;

    private boolean numberNegative;
    private boolean numberFractional;
    private long numberValue;

    private int seenTopKeys;
    private int topKey;
    private int optionsKey;
    private boolean optionsSeenIncludeUsage;
    private boolean inStreamOptions;
    private int valueTarget;
    private int valueStart;
    private int containerTarget;
    private long maxCompletionTokens;
    private long maxTokens;
    private long maxOutputTokens;

    /**
     * Scans {@code body} from its reader index to its writer index without moving either, filling {@code out}
     * (reset first). On an error code {@code out} may be partly filled.
     *
     * @return {@link #OK} or one of the error codes of this class
     */
    public int scan(ByteBuf body, RequestFacts out) {
        requireNonNull(body, "body");
        requireNonNull(out, "out");
        out.reset();
        buf = body;
        facts = out;
        error = OK;
        pos = body.readerIndex() - 1;
        state = ST_START;
        depth = 0;
        arrayBits = 0;
        seenTopKeys = 0;
        topKey = K_NONE;
        optionsKey = K_NONE;
        optionsSeenIncludeUsage = false;
        inStreamOptions = false;
        maxCompletionTokens = -1;
        maxTokens = -1;
        maxOutputTokens = -1;
        try {
            body.forEachByte(body.readerIndex(), body.readableBytes(), processor);
        } finally {
            buf = null;
            facts = null;
        }
        if (error != OK) {
            return error;
        }
        if (state == ST_START) {
            return EMPTY_BODY;
        }
        if (state != ST_END) {
            return MALFORMED_JSON;
        }
        out.maxTokens = maxCompletionTokens >= 0 ? maxCompletionTokens
                : maxTokens >= 0 ? maxTokens : maxOutputTokens;
        return OK;
    }

    /** A stable lower-case name for a result code, usable as an error {@code code}, e.g. {@code malformed_json}. */
    public static String codeName(int code) {
        return code >= 0 && code < CODE_NAMES.length ? CODE_NAMES[code] : "unknown";
    }

    private boolean fail(int code) {
        error = code;
        return false;
    }

    private boolean process(byte b) {
        int i = ++pos;
        switch (state) {
            case ST_STRING:
                if (b == '"') {
                    return endString(i);
                }
                if (b == '\\') {
                    stringHasEscape = true;
                    state = ST_ESCAPE;
                    return true;
                }
                return (b & 0xff) >= 0x20 || fail(MALFORMED_JSON);
            case ST_ESCAPE:
                if (b == 'u') {
                    unicodeLeft = 4;
                    state = ST_UNICODE;
                    return true;
                }
                if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't') {
                    state = ST_STRING;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_UNICODE:
                if (!isHex(b)) {
                    return fail(MALFORMED_JSON);
                }
                if (--unicodeLeft == 0) {
                    state = ST_STRING;
                }
                return true;
            case ST_LITERAL:
                if (b != literal[literalPos]) {
                    return fail(MALFORMED_JSON);
                }
                if (++literalPos == literal.length) {
                    return endScalar(literalKind, i + 1);
                }
                return true;
            case ST_NUM_MINUS:
                if (b == '0') {
                    state = ST_NUM_ZERO;
                    return true;
                }
                if (b >= '1' && b <= '9') {
                    digit(b);
                    state = ST_NUM_INT;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_NUM_ZERO:
            case ST_NUM_INT:
                if (b >= '0' && b <= '9') {
                    if (state == ST_NUM_ZERO) {
                        return fail(MALFORMED_JSON);
                    }
                    digit(b);
                    return true;
                }
                if (b == '.') {
                    numberFractional = true;
                    state = ST_NUM_DOT;
                    return true;
                }
                if (b == 'e' || b == 'E') {
                    numberFractional = true;
                    state = ST_NUM_E;
                    return true;
                }
                return endNumber(i) && structure(b, i);
            case ST_NUM_DOT:
                if (b >= '0' && b <= '9') {
                    state = ST_NUM_FRAC;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_NUM_FRAC:
                if (b >= '0' && b <= '9') {
                    return true;
                }
                if (b == 'e' || b == 'E') {
                    state = ST_NUM_E;
                    return true;
                }
                return endNumber(i) && structure(b, i);
            case ST_NUM_E:
                if (b == '+' || b == '-') {
                    state = ST_NUM_E_SIGN;
                    return true;
                }
                if (b >= '0' && b <= '9') {
                    state = ST_NUM_EXP;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_NUM_E_SIGN:
                if (b >= '0' && b <= '9') {
                    state = ST_NUM_EXP;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_NUM_EXP:
                if (b >= '0' && b <= '9') {
                    return true;
                }
                return endNumber(i) && structure(b, i);
            default:
                return structure(b, i);
        }
    }

    private boolean structure(byte b, int i) {
        if (b == ' ' || b == '\n' || b == '\r' || b == '\t') {
            return true;
        }
        switch (state) {
            case ST_START:
                if (b != '{') {
                    return fail(isValueStart(b) ? NOT_AN_OBJECT : MALFORMED_JSON);
                }
                facts.objectStart = i;
                state = ST_KEY_OR_END;
                return push(false);
            case ST_VALUE_OR_END:
                if (b == ']') {
                    return close(true, i);
                }
                return beginValue(b, i);
            case ST_VALUE:
                return beginValue(b, i);
            case ST_KEY_OR_END:
                if (b == '}') {
                    return close(false, i);
                }
                return beginKey(b, i);
            case ST_KEY:
                return beginKey(b, i);
            case ST_COLON:
                if (b != ':') {
                    return fail(MALFORMED_JSON);
                }
                state = ST_VALUE;
                return true;
            case ST_AFTER_VALUE:
                boolean array = isArray(depth);
                if (b == ',') {
                    state = array ? ST_VALUE : ST_KEY;
                    return true;
                }
                if ((b == ']' && array) || (b == '}' && !array)) {
                    return close(array, i);
                }
                return fail(MALFORMED_JSON);
            default:
                return fail(MALFORMED_JSON);
        }
    }

    private boolean beginKey(byte b, int i) {
        if (b != '"') {
            return fail(MALFORMED_JSON);
        }
        stringIsKey = true;
        stringHasEscape = false;
        stringStart = i + 1;
        state = ST_STRING;
        return true;
    }

    private boolean beginValue(byte b, int i) {
        int kind;
        switch (b) {
            case '{':
                kind = V_OBJECT;
                break;
            case '[':
                kind = V_ARRAY;
                break;
            case '"':
                kind = V_STRING;
                break;
            case 't':
                kind = V_TRUE;
                break;
            case 'f':
                kind = V_FALSE;
                break;
            case 'n':
                kind = V_NULL;
                break;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    kind = V_NUMBER;
                    break;
                }
                return fail(MALFORMED_JSON);
        }
        if (!target(kind, i)) {
            return false;
        }
        switch (kind) {
            case V_OBJECT:
                state = ST_KEY_OR_END;
                return push(false);
            case V_ARRAY:
                state = ST_VALUE_OR_END;
                return push(true);
            case V_STRING:
                stringIsKey = false;
                stringHasEscape = false;
                stringStart = i + 1;
                state = ST_STRING;
                return true;
            case V_TRUE:
                return beginLiteral(TRUE, kind);
            case V_FALSE:
                return beginLiteral(FALSE, kind);
            case V_NULL:
                return beginLiteral(NULL, kind);
            default:
                numberNegative = b == '-';
                numberFractional = false;
                numberValue = 0;
                if (numberNegative) {
                    state = ST_NUM_MINUS;
                } else if (b == '0') {
                    state = ST_NUM_ZERO;
                } else {
                    digit(b);
                    state = ST_NUM_INT;
                }
                return true;
        }
    }

    private boolean beginLiteral(byte[] text, int kind) {
        literal = text;
        literalPos = 1;
        literalKind = kind;
        state = ST_LITERAL;
        return true;
    }

    // Decides whether the value starting at i is one we record, and checks its type.
    private boolean target(int kind, int i) {
        valueTarget = K_NONE;
        valueStart = i;
        if (depth == 1) {
            int key = topKey;
            topKey = K_NONE;
            switch (key) {
                case K_MODEL:
                    if (kind != V_STRING) {
                        return fail(MODEL_NOT_STRING);
                    }
                    break;
                case K_STREAM:
                    if (kind != V_TRUE && kind != V_FALSE && kind != V_NULL) {
                        return fail(STREAM_NOT_BOOLEAN);
                    }
                    break;
                case K_STREAM_OPTIONS:
                    if (kind == V_OBJECT) {
                        facts.streamOptionsStart = i;
                        inStreamOptions = true;
                    } else if (kind != V_NULL) {
                        return fail(STREAM_OPTIONS_INVALID);
                    }
                    break;
                case K_MAX_COMPLETION_TOKENS:
                case K_MAX_TOKENS:
                case K_MAX_OUTPUT_TOKENS:
                    if (kind != V_NUMBER && kind != V_NULL) {
                        return fail(MAX_TOKENS_INVALID);
                    }
                    break;
                case K_METADATA:
                    if (kind == V_OBJECT) {
                        facts.metadataStart = i;
                    }
                    break;
                default:
                    break;
            }
            if (kind == V_OBJECT || kind == V_ARRAY) {
                containerTarget = key;
            } else {
                valueTarget = key;
            }
        } else if (depth == 2 && inStreamOptions) {
            int key = optionsKey;
            optionsKey = K_NONE;
            if (key == K_INCLUDE_USAGE) {
                if (kind != V_TRUE && kind != V_FALSE && kind != V_NULL) {
                    return fail(STREAM_OPTIONS_INVALID);
                }
                valueTarget = key;
            }
        }
        return true;
    }

    private boolean endString(int quoteIndex) {
        if (stringIsKey) {
            state = ST_COLON;
            return onKey(stringStart, quoteIndex);
        }
        if (valueTarget == K_MODEL) {
            facts.modelStart = stringStart;
            facts.modelEnd = quoteIndex;
            facts.modelHasEscape = stringHasEscape;
        } else if (valueTarget == K_USER) {
            facts.userStart = stringStart;
            facts.userEnd = quoteIndex;
        }
        return afterValue();
    }

    private boolean onKey(int start, int end) {
        if (depth == 1) {
            facts.topLevelKeys++;
            int key = K_NONE;
            int length = keyBytes(start, end);
            for (int k = 0; k < TOP_NAMES.length && length >= 0; k++) {
                if (keyEquals(TOP_NAMES[k], start, length)) {
                    key = TOP_KEYS[k];
                    break;
                }
            }
            if ((seenTopKeys & key) != 0) {
                return fail(DUPLICATE_KEY);
            }
            seenTopKeys |= key;
            topKey = key;
        } else if (depth == 2 && inStreamOptions) {
            facts.streamOptionsKeys++;
            int length = keyBytes(start, end);
            boolean includeUsage = length >= 0 && keyEquals(INCLUDE_USAGE, start, length);
            if (includeUsage && optionsSeenIncludeUsage) {
                return fail(DUPLICATE_KEY);
            }
            optionsSeenIncludeUsage |= includeUsage;
            optionsKey = includeUsage ? K_INCLUDE_USAGE : K_NONE;
        }
        return true;
    }

    // Returns the key's length, or -1 when it cannot be a name we record. A key with escapes is decoded into
    // keyScratch first (keyDecoded): "model" spelled with a unicode escape for one of its letters is still
    // "model" to every JSON parser upstream, so it must not slip past the gateway.
    private int keyBytes(int start, int end) {
        keyDecoded = stringHasEscape;
        if (!stringHasEscape) {
            return end - start <= MAX_KEY_BYTES ? end - start : -1;
        }
        int n = 0;
        for (int j = start; j < end; j++) {
            byte b = buf.getByte(j);
            if (b == '\\') {
                byte e = buf.getByte(++j);
                if (e == 'u') {
                    int c = 0;
                    for (int h = 0; h < 4; h++) {
                        c = (c << 4) | Character.digit(buf.getByte(++j), 16);
                    }
                    if (c >= 0x80) {
                        return -1;
                    }
                    b = (byte) c;
                } else {
                    b = unescape(e);
                }
            }
            if (n == MAX_KEY_BYTES) {
                return -1;
            }
            keyScratch[n++] = b;
        }
        return n;
    }

    private boolean keyEquals(byte[] name, int start, int length) {
        if (length != name.length) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            byte b = keyDecoded ? keyScratch[k] : buf.getByte(start + k);
            if (b != name[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte unescape(byte e) {
        switch (e) {
            case 'b':
                return '\b';
            case 'f':
                return '\f';
            case 'n':
                return '\n';
            case 'r':
                return '\r';
            case 't':
                return '\t';
            default:
                return e;
        }
    }

    private void digit(byte b) {
        if (numberValue <= MAX_TOKENS_LIMIT) {
            numberValue = numberValue * 10 + (b - '0');
        }
    }

    private boolean endNumber(int end) {
        state = ST_AFTER_VALUE;
        int key = valueTarget;
        if (key == K_MAX_COMPLETION_TOKENS || key == K_MAX_TOKENS || key == K_MAX_OUTPUT_TOKENS) {
            if (numberNegative || numberFractional || numberValue > MAX_TOKENS_LIMIT) {
                return fail(MAX_TOKENS_INVALID);
            }
            if (key == K_MAX_COMPLETION_TOKENS) {
                maxCompletionTokens = numberValue;
            } else if (key == K_MAX_TOKENS) {
                maxTokens = numberValue;
            } else {
                maxOutputTokens = numberValue;
            }
        }
        valueTarget = K_NONE;
        return true;
    }

    private boolean endScalar(int kind, int end) {
        switch (valueTarget) {
            case K_STREAM:
                if (kind != V_NULL) {
                    facts.hasStream = true;
                    facts.stream = kind == V_TRUE;
                }
                break;
            case K_STREAM_OPTIONS:
                facts.streamOptionsNull = true;
                facts.streamOptionsStart = valueStart;
                facts.streamOptionsEnd = end;
                break;
            case K_INCLUDE_USAGE:
                facts.includeUsage = kind == V_TRUE ? 1 : 0;
                facts.includeUsageValueStart = valueStart;
                facts.includeUsageValueEnd = end;
                break;
            default:
                break;
        }
        return afterValue();
    }

    private boolean afterValue() {
        valueTarget = K_NONE;
        state = depth == 0 ? ST_END : ST_AFTER_VALUE;
        return true;
    }

    private boolean push(boolean array) {
        if (depth == MAX_DEPTH) {
            return fail(TOO_DEEP);
        }
        depth++;
        long bit = 1L << (depth - 1);
        arrayBits = array ? arrayBits | bit : arrayBits & ~bit;
        return true;
    }

    private boolean close(boolean array, int i) {
        depth--;
        if (depth == 0) {
            facts.objectEnd = i + 1;
        } else if (depth == 1) {
            if (containerTarget == K_STREAM_OPTIONS && !array) {
                facts.streamOptionsEnd = i + 1;
                inStreamOptions = false;
            } else if (containerTarget == K_METADATA && !array) {
                facts.metadataEnd = i + 1;
            }
            containerTarget = K_NONE;
        }
        return afterValue();
    }

    private boolean isArray(int d) {
        return (arrayBits & (1L << (d - 1))) != 0;
    }

    private static boolean isValueStart(byte b) {
        return b == '[' || b == '"' || b == 't' || b == 'f' || b == 'n' || b == '-' || (b >= '0' && b <= '9');
    }

    private static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
