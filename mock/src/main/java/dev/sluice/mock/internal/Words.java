package dev.sluice.mock.internal;

/**
 * The deterministic text of generated answers: token {@code i} is a short word from a fixed list plus a space.
 *
 * <p>Thread-safe (stateless).
 */
public final class Words {
    private static final String[] WORDS = {
        "the ", "quick ", "brown ", "fox ", "jumps ", "over ", "a ", "lazy ", "dog ", "and ", "then ", "rests ",
        "by ", "the ", "calm ", "river ", "while ", "soft ", "rain ", "falls ",
    };

    private Words() {
    }

    /** Returns the text of token {@code i} (0-based). */
    public static String token(final int i) {
        return WORDS[i % WORDS.length];
    }

    /** Returns the text of tokens {@code 0 .. count-1} joined. */
    public static String text(final int count) {
        final StringBuilder sb = new StringBuilder(count * 6);
        for (int i = 0; i < count; i++) {
            sb.append(token(i));
        }
        return sb.toString();
    }
}
