package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.time.ZoneId;

/**
 * The {@code governance:} block. Thread-safe (immutable).
 *
 * @param zone the time zone budget periods (day, week from Monday, month) are aligned in
 * @param defaultMaxOutputTokens output tokens reserved when a request names no {@code max_tokens}
 */
public record GovernanceSettings(ZoneId zone, long defaultMaxOutputTokens) {
    /** Output tokens reserved for a request without {@code max_tokens} unless configured otherwise. */
    public static final long DEFAULT_MAX_OUTPUT_TOKENS = 4096;
    public static final GovernanceSettings DEFAULTS = new GovernanceSettings(ZoneId.of("UTC"), DEFAULT_MAX_OUTPUT_TOKENS);

    public GovernanceSettings {
        requireNonNull(zone, "zone");
        if (defaultMaxOutputTokens < 0) {
            throw new IllegalArgumentException("defaultMaxOutputTokens: " + defaultMaxOutputTokens
                    + " (expected: >= 0)");
        }
    }
}
