package dev.sluice.routing.admission;

/**
 * The state of one rate limit after a decision, for the {@code x-ratelimit-*} response headers the way OpenAI
 * sends them. Thread-safe (immutable).
 *
 * @param limit the limit per minute
 * @param remaining what is left of it now
 * @param resetMs time until the limit is fully available again (OpenAI's {@code x-ratelimit-reset-*}), at most the
 *                window of a minute; on a refusal by this limit never less than the time until one more request fits
 *                (the {@code Retry-After})
 */
public record RateLimitState(long limit, long remaining, long resetMs) {
}
