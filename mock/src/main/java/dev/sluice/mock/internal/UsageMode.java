package dev.sluice.mock.internal;

import java.util.Locale;

/**
 * What usage an answer reports ({@code usage=...}), for testing how a gateway accounts for missing, zero,
 * negative, absurd, duplicated or misplaced usage (RELIABILITY.md C6).
 *
 * <p>Immutable, so thread-safe.
 */
public enum UsageMode {
    /** The real counts, where the dialect puts them. */
    NORMAL,
    /** No usage at all: no usage object, no usage chunk even when {@code include_usage} was asked. */
    NONE,
    /** Every computed count is 0. */
    ZERO,
    /** Every computed count is {@value #NEGATIVE_COUNT}. */
    NEGATIVE,
    /** Every computed count is {@value #ABSURD_COUNT}. */
    ABSURD,
    /** The usage chunk (OpenAI) or {@code message_delta} event (Anthropic) is sent twice. */
    DUP,
    /** OpenAI streams: the usage rides on the finish chunk, whose {@code choices} are not empty. */
    IN_CHOICES;

    /** The count {@link #NEGATIVE} reports. */
    public static final long NEGATIVE_COUNT = -5;
    /** The count {@link #ABSURD} reports. */
    public static final long ABSURD_COUNT = 1_000_000_000_000_000L;

    /** Returns the count to report in place of the real {@code count}. */
    public long count(final long count) {
        switch (this) {
            case ZERO:
                return 0;
            case NEGATIVE:
                return NEGATIVE_COUNT;
            case ABSURD:
                return ABSURD_COUNT;
            default:
                return count;
        }
    }

    /** Parses a directive value ({@code normal}, {@code none}, ..., {@code in_choices}). */
    static UsageMode parse(final String s) {
        for (final UsageMode m : values()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(s.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("usage: " + s
            + " (expected: normal, none, zero, negative, absurd, dup or in_choices)");
    }
}
