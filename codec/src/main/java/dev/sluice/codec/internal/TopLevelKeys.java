package dev.sluice.codec.internal;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Names the members of a request body that the request scanner records: the top-level {@code model},
 * {@code stream}, {@code stream_options}, the three spellings of the output limit, {@code user} and
 * {@code metadata}, and {@code include_usage} inside {@code stream_options}. Each is a bit, so a duplicate is one
 * test. A key written with escapes is decoded first (into a scratch array, without allocation): {@code "model"}
 * with a unicode escape for one of its letters is still {@code model} to every JSON parser upstream, so it must
 * not slip past the gateway.
 * <p>
 * Reusable; confined to one thread (the scanner's).
 */
public final class TopLevelKeys {
    public static final int NONE = 0;
    public static final int MODEL = 1;
    public static final int STREAM = 1 << 1;
    public static final int STREAM_OPTIONS = 1 << 2;
    public static final int MAX_COMPLETION_TOKENS = 1 << 3;
    public static final int MAX_TOKENS = 1 << 4;
    public static final int MAX_OUTPUT_TOKENS = 1 << 5;
    public static final int USER = 1 << 6;
    public static final int METADATA = 1 << 7;
    public static final int INCLUDE_USAGE = 1 << 8;
    public static final int N = 1 << 9;
    public static final int TOOLS = 1 << 10;
    public static final int LOGIT_BIAS = 1 << 11;
    /** The members that would steer where a request goes, or carry a credential, in some other gateways. */
    public static final int API_BASE = 1 << 12;
    public static final int BASE_URL = 1 << 13;
    public static final int API_KEY = 1 << 14;
    public static final int EXTRA_HEADERS = 1 << 15;
    public static final int USER_ID = 1 << 16;
    /** Any of the steering members above. */
    public static final int STEERING = API_BASE | BASE_URL | API_KEY | EXTRA_HEADERS | USER_ID;

    private static final byte[][] NAMES = {ascii("model"), ascii("stream"), ascii("stream_options"),
        ascii("max_completion_tokens"), ascii("max_tokens"), ascii("max_output_tokens"), ascii("user"),
        ascii("metadata"), ascii("n"), ascii("tools"), ascii("logit_bias"), ascii("api_base"), ascii("base_url"),
        ascii("api_key"), ascii("extra_headers"), ascii("user_id")};
    private static final int[] BITS = {MODEL, STREAM, STREAM_OPTIONS, MAX_COMPLETION_TOKENS, MAX_TOKENS,
        MAX_OUTPUT_TOKENS, USER, METADATA, N, TOOLS, LOGIT_BIAS, API_BASE, BASE_URL, API_KEY, EXTRA_HEADERS,
        USER_ID};
    private static final byte[] CONFIG_SUFFIX = ascii("_config");
    private static final byte[] INCLUDE_USAGE_NAME = ascii("include_usage");
    private static final int MAX_KEY_BYTES = 32;

    private final byte[] scratch = new byte[MAX_KEY_BYTES];
    private boolean decoded;

    /**
     * The member named by the key between {@code start} and {@code end} of {@code buf} (the bytes inside its
     * quotes, already validated), or {@link #NONE} for any other key.
     *
     * @param hasEscape whether the key contains a backslash escape
     */
    public int topLevel(ByteBuf buf, int start, int end, boolean hasEscape) {
        int length = keyBytes(buf, start, end, hasEscape);
        for (int k = 0; k < NAMES.length && length >= 0; k++) {
            if (keyEquals(buf, NAMES[k], start, length)) {
                return BITS[k];
            }
        }
        return NONE;
    }

    /**
     * The steering member ({@link #STEERING}) named by a key inside {@code metadata} or a {@code *_config} object,
     * or {@link #NONE}; {@code user_id} counts only when {@code userId} (Anthropic's {@code metadata.user_id} is
     * an end-user id, not a steering member).
     */
    public int steering(ByteBuf buf, int start, int end, boolean hasEscape, boolean userId) {
        int key = topLevel(buf, start, end, hasEscape) & STEERING;
        return key == USER_ID && !userId ? NONE : key;
    }

    /** Whether the key between {@code start} and {@code end} ends with {@code _config}. */
    public boolean isConfigObject(ByteBuf buf, int start, int end, boolean hasEscape) {
        int length = keyBytes(buf, start, end, hasEscape);
        if (length < CONFIG_SUFFIX.length) {
            return false;
        }
        for (int k = 0; k < CONFIG_SUFFIX.length; k++) {
            int at = length - CONFIG_SUFFIX.length + k;
            byte b = decoded ? scratch[at] : buf.getByte(start + at);
            if (b != CONFIG_SUFFIX[k]) {
                return false;
            }
        }
        return true;
    }

    /** The name of a member bit of this class, e.g. {@code api_base}; null for {@link #NONE} or several bits. */
    public static String name(int key) {
        for (int k = 0; k < BITS.length; k++) {
            if (BITS[k] == key) {
                return new String(NAMES[k], StandardCharsets.US_ASCII);
            }
        }
        return key == INCLUDE_USAGE ? "include_usage" : null;
    }

    /** Whether the key between {@code start} and {@code end} is {@code include_usage}. */
    public boolean isIncludeUsage(ByteBuf buf, int start, int end, boolean hasEscape) {
        int length = keyBytes(buf, start, end, hasEscape);
        return length >= 0 && keyEquals(buf, INCLUDE_USAGE_NAME, start, length);
    }

    // Returns the key's length, or -1 when it cannot be a name we record; an escaped key is decoded into scratch.
    private int keyBytes(ByteBuf buf, int start, int end, boolean hasEscape) {
        decoded = hasEscape;
        if (!hasEscape) {
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
            scratch[n++] = b;
        }
        return n;
    }

    private boolean keyEquals(ByteBuf buf, byte[] name, int start, int length) {
        if (length != name.length) {
            return false;
        }
        for (int k = 0; k < length; k++) {
            byte b = decoded ? scratch[k] : buf.getByte(start + k);
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

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
