package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

/**
 * The {@code redis:} block: where gateways share admission counters and runtime keys. Thread-safe (immutable).
 *
 * @param uri a Lettuce URI such as {@code redis://127.0.0.1:6379}
 * @param failOpen when Redis cannot be reached: {@code true} falls back to this process's counters, {@code false}
 *                 refuses with 503
 * @param prefix prefix of every Redis key
 */
public record RedisSettings(String uri, boolean failOpen, String prefix) {
    public static final String DEFAULT_PREFIX = "sluice";

    public RedisSettings {
        requireNonNull(uri, "uri");
        requireNonNull(prefix, "prefix");
    }
}
