package dev.sluice.mock.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Generates provider-looking identifiers such as {@code chatcmpl-...}, {@code msg_...} and {@code req_...}.
 *
 * <p>Thread-safe.
 */
public final class Ids {
    private static final char[] ALPHABET =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int RANDOM_CHARS = 24;

    private Ids() {
    }

    /** Returns {@code prefix} followed by 24 random alphanumeric characters. */
    public static String next(final String prefix) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        final StringBuilder sb = new StringBuilder(prefix.length() + RANDOM_CHARS).append(prefix);
        for (int i = 0; i < RANDOM_CHARS; i++) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }
}
