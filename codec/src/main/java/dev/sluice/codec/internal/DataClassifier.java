package dev.sluice.codec.internal;

import dev.sluice.codec.Endpoint;

import java.nio.charset.StandardCharsets;

/**
 * Decides from byte patterns alone, without lexing, what one SSE data line (one JSON document) means to the
 * scanner, or that it cannot tell. It never extracts anything: whenever the {@link JsonLexer} and
 * {@link ResponseExtractor} could take usage, a finish or stop reason, a response status, an error, a document
 * type or {@code "choices":[]} from the bytes, it answers {@link #UNSURE} and the caller lexes the event.
 *
 * <p>Why that is sound: the lexer compares raw string bytes (it decodes no escape), so every key or string value
 * the extractor acts on ends with its exact word followed by a quote byte. Every quote of the line is checked for
 * such a word before it, which holds however the JSON is nested, escaped or malformed. A {@code null} (or an empty
 * string where that means nothing) after such a key is accepted only when a comma, closing brackets or the end
 * of the line follow, so no later string value can inherit the key: the lexer ends a member's name at the first
 * comma or closing bracket, even where malformed JSON puts a string without a name after them.
 *
 * <p>The one thing decided positively is generated content on chat and completions: a key that is the first
 * member of {@code "delta":{}} ({@code content}, {@code refusal}), of {@code "function":{}} ({@code arguments}) or
 * of the first object in {@code "choices":[]} ({@code text}) and has a non-empty string value. On well-formed
 * JSON nested at most 64 deep (the lexer's tracked depth) this equals the lexer's answer; other content keys
 * give {@link #UNSURE}. Confined to one thread.
 */
public final class DataClassifier {
    /** {@link #classify} result: nothing to extract and no content. */
    public static final int PLAIN = 0;
    /** {@link #classify} result: nothing to extract; the data carries generated content. */
    public static final int CONTENT = 1;
    /** {@link #classify} result: the data may carry something only the lexer can tell. */
    public static final int UNSURE = -1;

    private static final long QUOTES = Swar.broadcast((byte) '"');
    private static final long CLOSE_BRACKETS = Swar.broadcast((byte) ']');

    // The bytes before a closing quote, the quote included, read as the top bytes of a little-endian long.
    private static final Suffix TOKENS = new Suffix("_tokens\"");
    private static final Suffix REASON = new Suffix("reason\"");
    private static final Suffix ERROR = new Suffix("\"error\"");
    private static final Suffix STATUS = new Suffix("\"status\"");
    private static final Suffix TYPE = new Suffix("\"type\"");
    private static final Suffix FUNCTION_CALL = new Suffix("on_call\"");
    private static final Suffix CONTENT_KEY = new Suffix("content\"");
    private static final Suffix REFUSAL_KEY = new Suffix("refusal\"");
    private static final Suffix ARGUMENTS_KEY = new Suffix("guments\"");
    private static final Suffix TEXT_KEY = new Suffix("\"text\"");

    private static final byte[] CONTENT_WORD = ascii("\"content\"");
    private static final byte[] REFUSAL_WORD = ascii("\"refusal\"");
    private static final byte[] ARGUMENTS_WORD = ascii("\"arguments\"");
    private static final int TEXT_WORD_LENGTH = "\"text\"".length();
    private static final byte[] DELTA_OPEN = ascii("\"delta\":{");
    private static final byte[] FUNCTION_OPEN = ascii("\"function\":{");
    private static final byte[] CHOICES_OPEN = ascii("\"choices\":[{");

    private static final int GROUP_CHAT = 0;
    private static final int GROUP_COMPLETIONS = 1;
    private static final int GROUP_RESPONSES = 2;
    private static final int GROUP_MESSAGES = 3;
    private static final int GROUP_OTHER = 4;

    private int group = GROUP_CHAT;

    /** Classifies the data of events on {@code e} from now on. */
    public void reset(Endpoint e) {
        switch (e) {
            case CHAT_COMPLETIONS:
                group = GROUP_CHAT;
                break;
            case COMPLETIONS:
                group = GROUP_COMPLETIONS;
                break;
            case RESPONSES:
                group = GROUP_RESPONSES;
                break;
            case MESSAGES:
                group = GROUP_MESSAGES;
                break;
            default:
                group = GROUP_OTHER;
                break;
        }
    }

    /**
     * Classifies the single data line {@code bytes[from, to)} of an event named {@code eventWord}. The array
     * must hold at least 8 bytes before {@code from} and {@link Swar#SLACK_BYTES} after {@code to}.
     *
     * @return {@link #PLAIN}, {@link #CONTENT} or {@link #UNSURE}
     */
    public int classify(byte[] bytes, int from, int to, int eventWord) {
        boolean chatLike = group == GROUP_CHAT || group == GROUP_COMPLETIONS;
        // Without an event name the data's top-level "type" is the event kind on these endpoints.
        boolean typeMatters = eventWord == Words.NONE && (group == GROUP_RESPONSES || group == GROUP_MESSAGES);
        int result = PLAIN;
        for (int i = from; i < to; i += Long.BYTES) {
            long word = Swar.getLong(bytes, i);
            // Every word the extractor acts on ends in a lowercase letter: other quotes need no look.
            long quotes = Swar.matches(word, QUOTES) & Swar.atLeastLowercase(Swar.getLong(bytes, i - 1));
            for (; quotes != 0; quotes &= quotes - 1) {
                int at = Swar.index(i, quotes);
                if (at >= to) {
                    break;
                }
                int r = quote(bytes, at, from, to, typeMatters);
                if (r == UNSURE) {
                    return UNSURE;
                }
                result |= r;
            }
            if (chatLike) {
                for (long closes = Swar.matches(word, CLOSE_BRACKETS); closes != 0; closes &= closes - 1) {
                    int at = Swar.index(i, closes);
                    if (at < to && closeBracket(bytes, at, from) == UNSURE) {
                        return UNSURE;
                    }
                }
            }
        }
        return result;
    }

    /** Judges the string that may end at the quote {@code bytes[at]}, by the word just before it. */
    private int quote(byte[] bytes, int at, int from, int to, boolean typeMatters) {
        long before = Swar.getLong(bytes, at - (Long.BYTES - 1));
        int tail = (int) (before >>> 32);
        int slot = Tails.slot(tail);
        if (Tails.TAILS[slot] != tail) {
            return PLAIN;
        }
        switch (Tails.CODES[slot]) {
            case Tails.TOKENS:
                return TOKENS.matches(before) ? UNSURE : PLAIN;
            case Tails.STATUS:
                return group == GROUP_RESPONSES && STATUS.matches(before) ? UNSURE : PLAIN;
            case Tails.REASON:
                return REASON.matches(before) && !nullValue(bytes, at, to, false) ? UNSURE : PLAIN;
            case Tails.ERROR:
                return ERROR.matches(before) ? UNSURE : PLAIN;
            case Tails.TYPE:
                return typeMatters && TYPE.matches(before) ? UNSURE : PLAIN;
            case Tails.FUNCTION_CALL:
                return group == GROUP_RESPONSES && FUNCTION_CALL.matches(before) ? UNSURE : PLAIN;
            case Tails.ARGUMENTS:
                return group == GROUP_CHAT && ARGUMENTS_KEY.matches(before) && endsWith(bytes, at, from, ARGUMENTS_WORD)
                        ? member(bytes, at, from, to, ARGUMENTS_WORD.length, FUNCTION_OPEN) : PLAIN;
            case Tails.REFUSAL:
                return group == GROUP_CHAT && REFUSAL_KEY.matches(before) && endsWith(bytes, at, from, REFUSAL_WORD)
                        ? member(bytes, at, from, to, REFUSAL_WORD.length, DELTA_OPEN) : PLAIN;
            case Tails.CONTENT:
                return group == GROUP_CHAT && CONTENT_KEY.matches(before) && endsWith(bytes, at, from, CONTENT_WORD)
                        ? member(bytes, at, from, to, CONTENT_WORD.length, DELTA_OPEN) : PLAIN;
            case Tails.TEXT:
                return group == GROUP_COMPLETIONS && TEXT_KEY.matches(before)
                        ? member(bytes, at, from, to, TEXT_WORD_LENGTH, CHOICES_OPEN) : PLAIN;
            default:
                return PLAIN;
        }
    }

    /**
     * A content key (its quoted name of {@code keyLength} bytes ends at {@code at}): content when it is the first
     * member of the object opened by {@code open} and its value is a non-empty string; nothing when its value is
     * null or empty; otherwise unsure.
     */
    private static int member(byte[] bytes, int at, int from, int to, int keyLength, byte[] open) {
        int keyStart = at + 1 - keyLength;
        if (at + 3 < to && bytes[at + 1] == ':' && bytes[at + 2] == '"' && bytes[at + 3] != '"'
                && endsWith(bytes, keyStart - 1, from, open)) {
            return CONTENT;
        }
        return nullValue(bytes, at, to, true) ? PLAIN : UNSURE;
    }

    /**
     * Whether the key ending at {@code at} has the value {@code null} (or {@code ""} when allowed) and the next
     * string the lexer sees cannot be another value of that key: only blanks and closing brackets, then a comma
     * or the end of the data, may follow.
     */
    private static boolean nullValue(byte[] bytes, int at, int to, boolean emptyStringToo) {
        int i = skipBlanks(bytes, at + 1, to);
        if (i >= to || bytes[i] != ':') {
            return false;
        }
        i = skipBlanks(bytes, i + 1, to);
        if (i + 4 <= to && bytes[i] == 'n' && bytes[i + 1] == 'u' && bytes[i + 2] == 'l' && bytes[i + 3] == 'l') {
            i += 4;
        } else if (emptyStringToo && i + 2 <= to && bytes[i] == '"' && bytes[i + 1] == '"') {
            i += 2;
        } else {
            return false;
        }
        while (i < to && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '}' || bytes[i] == ']')) {
            i++;
        }
        return i == to || bytes[i] == ',';
    }

    /** A {@code ]} right after {@code [} (blanks between) is an empty array, maybe {@code "choices":[]}. */
    private static int closeBracket(byte[] bytes, int at, int from) {
        int i = at - 1;
        while (i >= from && (bytes[i] == ' ' || bytes[i] == '\t')) {
            i--;
        }
        return i >= from && bytes[i] == '[' ? UNSURE : PLAIN;
    }

    private static int skipBlanks(byte[] bytes, int i, int to) {
        while (i < to && (bytes[i] == ' ' || bytes[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** Whether {@code bytes[from, end]} ends with {@code tail} ({@code end} inclusive). */
    private static boolean endsWith(byte[] bytes, int end, int from, byte[] tail) {
        int start = end + 1 - tail.length;
        if (start < from) {
            return false;
        }
        for (int k = 0; k < tail.length; k++) {
            if (bytes[start + k] != tail[k]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Up to eight bytes compared against the top bytes of a little-endian word. */
    private static final class Suffix {
        private final long mask;
        private final long value;

        Suffix(String text) {
            byte[] b = ascii(text);
            int shift = 8 * (Long.BYTES - b.length);
            long v = 0;
            for (int k = 0; k < b.length; k++) {
                v |= (b[k] & 0xFFL) << (shift + 8 * k);
            }
            this.mask = -1L << shift;
            this.value = v;
        }

        boolean matches(long word) {
            return (word & mask) == value;
        }
    }
}
