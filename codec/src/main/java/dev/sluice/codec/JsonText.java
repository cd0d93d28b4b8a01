package dev.sluice.codec;

/**
 * The project's one JSON string writer, for the cold paths that build small bodies (error bodies, translated
 * events, admin answers, configuration values spliced into requests): quote, backslash and control characters
 * are escaped, and U+2028/U+2029 too; everything else, non-ASCII included, is kept to be encoded as UTF-8.
 * <p>
 * Thread-safe (stateless).
 */
public final class JsonText {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {
    }

    /**
     * Appends {@code value} as a quoted JSON string ({@code null} as the literal null): quote, backslash and
     * control characters are escaped; everything else, non-ASCII included, is kept to be encoded as UTF-8.
     */
    public static StringBuilder quote(StringBuilder out, String value) {
        if (value == null) {
            return out.append("null");
        }
        out.append('"');
        return escape(out, value).append('"');
    }

    /** {@code value} as a quoted JSON string, or {@code null} as the literal null. */
    public static String quote(String value) {
        return value == null ? "null" : quote(new StringBuilder(value.length() + 8), value).toString();
    }

    /** The JSON escaping of {@code value}, without the quotes (to splice between quotes already written). */
    public static String escape(String value) {
        return escape(new StringBuilder(value.length() + 8), value).toString();
    }

    private static StringBuilder escape(StringBuilder out, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                case '\b':
                    out.append("\\b");
                    break;
                case '\f':
                    out.append("\\f");
                    break;
                default:
                    // U+2028/2029 are valid JSON but break JavaScript embedders; escaping them costs nothing.
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
            }
        }
        return out;
    }
}
