package dev.sluice.proxy.internal;

import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.RateLimitState;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The {@code x-ratelimit-*} response headers, the way OpenAI sends them: limit, remaining and time to reset, for
 * requests and for tokens, each only when such a limit applies to the caller. Thread-safe (stateless).
 */
final class RateLimitHeaders {
    static final AsciiString LIMIT_REQUESTS = AsciiString.cached("x-ratelimit-limit-requests");
    static final AsciiString REMAINING_REQUESTS = AsciiString.cached("x-ratelimit-remaining-requests");
    static final AsciiString RESET_REQUESTS = AsciiString.cached("x-ratelimit-reset-requests");
    static final AsciiString LIMIT_TOKENS = AsciiString.cached("x-ratelimit-limit-tokens");
    static final AsciiString REMAINING_TOKENS = AsciiString.cached("x-ratelimit-remaining-tokens");
    static final AsciiString RESET_TOKENS = AsciiString.cached("x-ratelimit-reset-tokens");
    /** The values of the reset headers by whole seconds, up to an hour ({@link #reset}). */
    private static final AsciiString[] RESETS = new AsciiString[3600];

    private RateLimitHeaders() {
    }

    /** Adds the headers of {@code d} to {@code h}; nothing when {@code d} is null or no rate limit applies. */
    static void add(HttpHeaders h, AdmissionDecision d) {
        if (d == null) {
            return;
        }
        RateLimitState r = d.requests();
        if (r != null) {
            h.set(LIMIT_REQUESTS, Long.toString(r.limit()));
            h.set(REMAINING_REQUESTS, Long.toString(Math.max(0, r.remaining())));
            h.set(RESET_REQUESTS, reset(r.resetMs()));
        }
        RateLimitState t = d.tokens();
        if (t != null) {
            h.set(LIMIT_TOKENS, Long.toString(t.limit()));
            h.set(REMAINING_TOKENS, Long.toString(Math.max(0, t.remaining())));
            h.set(RESET_TOKENS, reset(t.resetMs()));
        }
    }

    /**
     * The time to reset of {@code millis}, rounded up to whole seconds: from a table for the first hour (a limit per
     * minute, and so every reset, is within it), built as each value is first asked for.
     */
    static CharSequence reset(long millis) {
        long whole = wholeSeconds(millis);
        int s = (int) Math.min(whole / 1000, RESETS.length);
        if (s == RESETS.length) {
            return duration(whole);
        }
        AsciiString v = RESETS[s];
        if (v == null) {
            // A benign race: two threads may both build the same immutable value.
            v = RESETS[s] = AsciiString.cached(duration(whole));
        }
        return v;
    }

    /**
     * {@code millis} rounded up to whole seconds. OpenAI's {@code x-ratelimit-reset-*} is the time until the limit is
     * whole again, {@code Retry-After} the time until one more request fits, in whole seconds rounded up (RFC 9110
     * 10.2.3); rounding the reset the same way keeps it from reading sooner than Retry-After when both fall on the
     * same moment.
     */
    static long wholeSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000 * 1000;
    }

    /** OpenAI's duration format: {@code 20ms}, {@code 1s}, {@code 1.5s}, {@code 6m0s}, {@code 1h2m3s}. */
    static String duration(long millis) {
        if (millis <= 0) {
            return "0s";
        }
        if (millis < 1000) {
            return millis + "ms";
        }
        long s = millis / 1000;
        long ms = millis % 1000;
        StringBuilder b = new StringBuilder(12);
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
            b.append(s / 60).append('m');
            s %= 60;
        } else if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        b.append(s);
        if (ms > 0 && b.indexOf("m") < 0 && b.indexOf("h") < 0) {
            String frac = Long.toString(1000 + ms).substring(1);
            int end = frac.length();
            while (end > 1 && frac.charAt(end - 1) == '0') {
                end--;
            }
            b.append('.').append(frac, 0, end);
        }
        return b.append('s').toString();
    }
}
