package dev.sluice.codec;

import static dev.sluice.codec.internal.TopLevelKeys.INCLUDE_USAGE;
import static dev.sluice.codec.internal.TopLevelKeys.LOGIT_BIAS;
import static dev.sluice.codec.internal.TopLevelKeys.MAX_COMPLETION_TOKENS;
import static dev.sluice.codec.internal.TopLevelKeys.MAX_OUTPUT_TOKENS;
import static dev.sluice.codec.internal.TopLevelKeys.MAX_TOKENS;
import static dev.sluice.codec.internal.TopLevelKeys.METADATA;
import static dev.sluice.codec.internal.TopLevelKeys.MODEL;
import static dev.sluice.codec.internal.TopLevelKeys.N;
import static dev.sluice.codec.internal.TopLevelKeys.NONE;
import static dev.sluice.codec.internal.TopLevelKeys.STREAM;
import static dev.sluice.codec.internal.TopLevelKeys.STEERING;
import static dev.sluice.codec.internal.TopLevelKeys.STREAM_OPTIONS;
import static dev.sluice.codec.internal.TopLevelKeys.TOOLS;
import static dev.sluice.codec.internal.TopLevelKeys.USER;
import static java.util.Objects.requireNonNull;

import dev.sluice.codec.internal.JsonBytes;
import dev.sluice.codec.internal.TopLevelKeys;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;

/**
 * Validates a JSON request body and records the top-level members the gateway routes and admits on, without
 * building a tree: one pass, linear time, no recursion (nesting is an explicit depth counter and a 64-bit stack
 * of container kinds), no allocation. Strings are checked for escapes (four-hex-digit unicode escapes included)
 * and control characters, and for well-formed UTF-8 (no overlong forms, no encoded surrogates) and paired surrogate
 * escapes; numbers, literals, nesting, commas and trailing bytes are checked structurally. Abusive parameters are refused here, before any
 * work (RELIABILITY.md A10): {@code n} outside 1..{@value #MAX_N}, more than {@value #MAX_TOOLS} {@code tools},
 * more than {@value #MAX_LOGIT_BIAS} {@code logit_bias} entries, and members that would steer the request elsewhere
 * or carry a credential in other gateways ({@code api_base}, {@code base_url}, {@code api_key},
 * {@code extra_headers}, {@code user_id}) at the top level, in {@code metadata} or in a {@code *_config} object.
 * Reusable; confined to one thread (the event loop).
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
    /** A string holds bytes that are not well-formed UTF-8, or an unpaired surrogate escape. */
    public static final int INVALID_UNICODE = 10;
    /** {@code n}, {@code tools} or {@code logit_bias} is outside what the gateway accepts. */
    public static final int OUT_OF_RANGE = 11;
    /** A member that steers requests or carries credentials elsewhere ({@link #errorParam()} names it). */
    public static final int STEERING_MEMBER = 12;

    /** Most choices ({@code n}) one request may ask for. */
    public static final int MAX_N = 128;
    /** Most entries of {@code tools}. */
    public static final int MAX_TOOLS = 128;
    /** Most entries of {@code logit_bias}. */
    public static final int MAX_LOGIT_BIAS = 1024;

    /** The deepest nesting accepted; deeper bodies get {@link #TOO_DEEP}. */
    public static final int MAX_DEPTH = 64;
    /** Larger max-tokens values are refused rather than risk overflow in budget arithmetic. */
    public static final long MAX_TOKENS_LIMIT = 1_000_000_000_000L;

    private static final String[] CODE_NAMES = {"ok", "empty_body", "malformed_json", "not_an_object", "too_deep",
        "model_not_string", "stream_not_boolean", "stream_options_invalid", "max_tokens_invalid", "duplicate_key",
        "invalid_unicode", "out_of_range", "steering_member"};

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
    private static final int ST_UTF8 = 20;
    private static final int ST_LOW_BACKSLASH = 21;
    private static final int ST_LOW_U = 22;
    /** The top-level member is an object whose name ends with {@code _config} (not a member bit). */
    private static final int CONFIG_OBJECT = 1 << 30;

    private static final int V_STRING = 1;
    private static final int V_NUMBER = 2;
    private static final int V_TRUE = 3;
    private static final int V_FALSE = 4;
    private static final int V_NULL = 5;
    private static final int V_OBJECT = 6;
    private static final int V_ARRAY = 7;

    private final ByteProcessor processor = this::process;
    private final TopLevelKeys keys = new TopLevelKeys();

    private ByteBuf buf;
    private RequestFacts facts;
    private int error;
    private int errorKey;
    /** A nested member refused, e.g. {@code metadata.api_base}; built only on that error. */
    private String errorPath;
    private int unicodeValue;
    private boolean lowSurrogateDue;
    private int utf8Left;
    private int utf8Low;
    private int utf8High;
    /** Entries seen so far in the top-level container being counted (tools, logit_bias). */
    private int entries;
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
        errorKey = NONE;
        errorPath = null;
        pos = body.readerIndex() - 1;
        state = ST_START;
        depth = 0;
        lowSurrogateDue = false;
        arrayBits = 0;
        seenTopKeys = 0;
        topKey = NONE;
        optionsKey = NONE;
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

    /**
     * The member the last scan refused ({@code model}, {@code stream}, {@code stream_options},
     * {@code stream_options.include_usage}, {@code max_tokens}, {@code max_completion_tokens},
     * {@code max_output_tokens}, or the member that appeared twice), or null when it refused no member in particular.
     */
    public String errorParam() {
        if (errorPath != null) {
            return errorPath;
        }
        switch (errorKey) {
            case MODEL:
                return "model";
            case STREAM:
                return "stream";
            case STREAM_OPTIONS:
                return "stream_options";
            case INCLUDE_USAGE:
                return "stream_options.include_usage";
            case MAX_COMPLETION_TOKENS:
                return "max_completion_tokens";
            case MAX_TOKENS:
                return "max_tokens";
            case MAX_OUTPUT_TOKENS:
                return "max_output_tokens";
            case USER:
                return "user";
            case METADATA:
                return "metadata";
            default:
                return TopLevelKeys.name(errorKey);
        }
    }

    private boolean fail(int code) {
        error = code;
        return false;
    }

    private boolean fail(int code, int key) {
        errorKey = key;
        return fail(code);
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
                if (b >= 0x20) {
                    return true;
                }
                return b < 0 ? beginUtf8(b) : fail(MALFORMED_JSON);
            case ST_UTF8:
                if ((b & 0xff) < utf8Low || (b & 0xff) > utf8High) {
                    return fail(INVALID_UNICODE);
                }
                utf8Low = 0x80;
                utf8High = 0xbf;
                if (--utf8Left == 0) {
                    state = ST_STRING;
                }
                return true;
            case ST_ESCAPE:
                if (b == 'u') {
                    unicodeLeft = 4;
                    unicodeValue = 0;
                    state = ST_UNICODE;
                    return true;
                }
                if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't') {
                    state = ST_STRING;
                    return true;
                }
                return fail(MALFORMED_JSON);
            case ST_UNICODE:
                if (!JsonBytes.isHex(b)) {
                    return fail(MALFORMED_JSON);
                }
                unicodeValue = (unicodeValue << 4) | Character.digit(b, 16);
                return --unicodeLeft > 0 || endUnicodeEscape();
            case ST_LOW_BACKSLASH:
                // A high surrogate escape must be followed at once by a low one.
                if (b != '\\') {
                    return fail(INVALID_UNICODE);
                }
                state = ST_LOW_U;
                return true;
            case ST_LOW_U:
                if (b != 'u') {
                    return fail(INVALID_UNICODE);
                }
                unicodeLeft = 4;
                unicodeValue = 0;
                lowSurrogateDue = true;
                state = ST_UNICODE;
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
                    return fail(JsonBytes.isValueStart(b) ? NOT_AN_OBJECT : MALFORMED_JSON);
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
                return beginLiteral(JsonBytes.TRUE, kind);
            case V_FALSE:
                return beginLiteral(JsonBytes.FALSE, kind);
            case V_NULL:
                return beginLiteral(JsonBytes.NULL, kind);
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

    /**
     * The fourth hex digit of a unicode escape: a high surrogate must be followed by a low one, and a low one must
     * follow a high one (an unpaired surrogate is no character: parsers disagree on it).
     */
    private boolean endUnicodeEscape() {
        boolean high = unicodeValue >= 0xd800 && unicodeValue <= 0xdbff;
        boolean low = unicodeValue >= 0xdc00 && unicodeValue <= 0xdfff;
        if (lowSurrogateDue != low) {
            return fail(INVALID_UNICODE);
        }
        lowSurrogateDue = false;
        state = high ? ST_LOW_BACKSLASH : ST_STRING;
        return true;
    }

    /**
     * A lead byte of a multi-byte UTF-8 sequence (RFC 3629 table 4): sets how many continuation bytes follow and
     * the range of the first one, which excludes overlong forms, encoded surrogates and code points past U+10FFFF.
     */
    private boolean beginUtf8(byte b) {
        int lead = b & 0xff;
        utf8Low = 0x80;
        utf8High = 0xbf;
        if (lead >= 0xc2 && lead <= 0xdf) {
            utf8Left = 1;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            utf8Left = 2;
            if (lead == 0xe0) {
                utf8Low = 0xa0;
            } else if (lead == 0xed) {
                utf8High = 0x9f;
            }
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            utf8Left = 3;
            if (lead == 0xf0) {
                utf8Low = 0x90;
            } else if (lead == 0xf4) {
                utf8High = 0x8f;
            }
        } else {
            return fail(INVALID_UNICODE);
        }
        state = ST_UTF8;
        return true;
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
        valueTarget = NONE;
        valueStart = i;
        if (depth == 1) {
            int key = topKey;
            topKey = NONE;
            switch (key) {
                case MODEL:
                    if (kind != V_STRING) {
                        return fail(MODEL_NOT_STRING, key);
                    }
                    break;
                case STREAM:
                    if (kind != V_TRUE && kind != V_FALSE && kind != V_NULL) {
                        return fail(STREAM_NOT_BOOLEAN, key);
                    }
                    break;
                case STREAM_OPTIONS:
                    if (kind == V_OBJECT) {
                        facts.streamOptionsStart = i;
                        inStreamOptions = true;
                    } else if (kind != V_NULL) {
                        return fail(STREAM_OPTIONS_INVALID, key);
                    }
                    break;
                case MAX_COMPLETION_TOKENS:
                case MAX_TOKENS:
                case MAX_OUTPUT_TOKENS:
                    if (kind != V_NUMBER && kind != V_NULL) {
                        return fail(MAX_TOKENS_INVALID, key);
                    }
                    break;
                case METADATA:
                    if (kind == V_OBJECT) {
                        facts.metadataStart = i;
                    }
                    break;
                case N:
                    if (kind != V_NUMBER && kind != V_NULL) {
                        return fail(OUT_OF_RANGE, key);
                    }
                    break;
                default:
                    if ((key & STEERING) != 0) {
                        return fail(STEERING_MEMBER, key);
                    }
                    break;
            }
            if (kind == V_OBJECT || kind == V_ARRAY) {
                containerTarget = key;
                entries = 0;
            } else {
                valueTarget = key;
            }
        } else if (depth == 2 && containerTarget == TOOLS && isArray(2)) {
            if (++entries > MAX_TOOLS) {
                return fail(OUT_OF_RANGE, TOOLS);
            }
        } else if (depth == 2 && inStreamOptions) {
            int key = optionsKey;
            optionsKey = NONE;
            if (key == INCLUDE_USAGE) {
                if (kind != V_TRUE && kind != V_FALSE && kind != V_NULL) {
                    return fail(STREAM_OPTIONS_INVALID, key);
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
        if (valueTarget == MODEL) {
            facts.modelStart = stringStart;
            facts.modelEnd = quoteIndex;
            facts.modelHasEscape = stringHasEscape;
        } else if (valueTarget == USER) {
            facts.userStart = stringStart;
            facts.userEnd = quoteIndex;
        }
        return afterValue();
    }

    private boolean onKey(int start, int end) {
        if (depth == 1) {
            facts.topLevelKeys++;
            int key = keys.topLevel(buf, start, end, stringHasEscape);
            if ((seenTopKeys & key) != 0) {
                return fail(DUPLICATE_KEY, key);
            }
            seenTopKeys |= key;
            topKey = key == NONE && keys.isConfigObject(buf, start, end, stringHasEscape) ? CONFIG_OBJECT : key;
            if (topKey == CONFIG_OBJECT) {
                // Remembered for the error path only: the object's name is not known once inside it.
                configNameStart = start;
                configNameEnd = end;
            }
        } else if (depth == 2 && (containerTarget == METADATA || containerTarget == CONFIG_OBJECT)
                && !isArray(2)) {
            int steering = keys.steering(buf, start, end, stringHasEscape, containerTarget == CONFIG_OBJECT);
            if (steering != NONE) {
                errorPath = (containerTarget == METADATA ? "metadata"
                        : buf.toString(configNameStart, configNameEnd - configNameStart, StandardCharsets.UTF_8))
                        + "." + TopLevelKeys.name(steering);
                return fail(STEERING_MEMBER, steering);
            }
        } else if (depth == 2 && containerTarget == LOGIT_BIAS && !isArray(2)) {
            if (++entries > MAX_LOGIT_BIAS) {
                return fail(OUT_OF_RANGE, LOGIT_BIAS);
            }
        } else if (depth == 2 && inStreamOptions) {
            facts.streamOptionsKeys++;
            boolean includeUsage = keys.isIncludeUsage(buf, start, end, stringHasEscape);
            if (includeUsage && optionsSeenIncludeUsage) {
                return fail(DUPLICATE_KEY, INCLUDE_USAGE);
            }
            optionsSeenIncludeUsage |= includeUsage;
            optionsKey = includeUsage ? INCLUDE_USAGE : NONE;
        }
        return true;
    }

    private int configNameStart;
    private int configNameEnd;

    private void digit(byte b) {
        if (numberValue <= MAX_TOKENS_LIMIT) {
            numberValue = numberValue * 10 + (b - '0');
        }
    }

    private boolean endNumber(int end) {
        state = ST_AFTER_VALUE;
        int key = valueTarget;
        if (key == MAX_COMPLETION_TOKENS || key == MAX_TOKENS || key == MAX_OUTPUT_TOKENS) {
            if (numberNegative || numberFractional || numberValue > MAX_TOKENS_LIMIT) {
                return fail(MAX_TOKENS_INVALID, key);
            }
            if (key == MAX_COMPLETION_TOKENS) {
                maxCompletionTokens = numberValue;
            } else if (key == MAX_TOKENS) {
                maxTokens = numberValue;
            } else {
                maxOutputTokens = numberValue;
            }
        } else if (key == N && (numberNegative || numberFractional || numberValue < 1 || numberValue > MAX_N)) {
            return fail(OUT_OF_RANGE, key);
        }
        valueTarget = NONE;
        return true;
    }

    private boolean endScalar(int kind, int end) {
        switch (valueTarget) {
            case STREAM:
                if (kind != V_NULL) {
                    facts.hasStream = true;
                    facts.stream = kind == V_TRUE;
                }
                break;
            case STREAM_OPTIONS:
                facts.streamOptionsNull = true;
                facts.streamOptionsStart = valueStart;
                facts.streamOptionsEnd = end;
                break;
            case INCLUDE_USAGE:
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
        valueTarget = NONE;
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
            if (containerTarget == STREAM_OPTIONS && !array) {
                facts.streamOptionsEnd = i + 1;
                inStreamOptions = false;
            } else if (containerTarget == METADATA && !array) {
                facts.metadataEnd = i + 1;
            }
            containerTarget = NONE;
        }
        return afterValue();
    }

    private boolean isArray(int d) {
        return (arrayBits & (1L << (d - 1))) != 0;
    }
}
