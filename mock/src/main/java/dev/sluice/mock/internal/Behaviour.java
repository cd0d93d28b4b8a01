package dev.sluice.mock.internal;

import io.netty.handler.codec.http.HttpHeaders;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-request fault and timing settings, parsed from {@code x-mock-<name>} request headers and from a
 * {@code [[mock name=value ...]]} directive in the last user message; a header wins over the directive for
 * the same parameter. Names are the directive's ({@code first_token_ms}); the header form uses dashes
 * ({@code x-mock-first-token-ms}).
 *
 * <p>Immutable, so thread-safe.
 *
 * @param tokens         content tokens to generate
 * @param firstTokenMs   delay before the first SSE event (or the whole JSON answer)
 * @param tokenMs        delay between later SSE events
 * @param status         the status to answer with; anything but 200 is an error answered at once
 * @param retryAfterSec  {@code retry-after} seconds sent with an error status, or -1 for none
 * @param truncateAfter  stop after this many SSE events (JSON: body bytes), or -1 for no truncation
 * @param truncateMode   how a truncated answer ends
 * @param stallMs        silence after the response headers before the stream starts; -1 is forever
 * @param malformedAfter inject one event with invalid JSON after this many events, or -1
 * @param cachedTokens   cached prompt tokens to report
 */
public record Behaviour(
    int tokens,
    long firstTokenMs,
    long tokenMs,
    int status,
    int retryAfterSec,
    int truncateAfter,
    TruncateMode truncateMode,
    long stallMs,
    int malformedAfter,
    int cachedTokens) {

    /** The settings when nothing is asked for. */
    public static final Behaviour DEFAULT = new Behaviour(12, 0, 0, 200, -1, -1, TruncateMode.FIN, 0, -1, 0);

    /** The prefix of every behaviour header. */
    public static final String HEADER_PREFIX = "x-mock-";

    private static final Pattern DIRECTIVE = Pattern.compile("\\[\\[mock((?:\\s+[A-Za-z_-]+=[^\\s\\]]*)*)\\s*]]");
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_-]+)=([^\\s\\]]*)");

    /** How a truncated answer ends. */
    public enum TruncateMode {
        /** Close the TCP connection without the terminating chunk. */
        FIN,
        /** Reset the connection (SO_LINGER 0, then close). */
        RST,
        /** End the HTTP response properly, without the rest of the stream. */
        CLEAN
    }

    /**
     * Parses the settings for one request.
     *
     * @param headers         the request headers
     * @param lastUserMessage the text of the last user message, or null
     * @return the settings
     * @throws IllegalArgumentException naming the parameter when a name or value is invalid
     */
    public static Behaviour parse(final HttpHeaders headers, final String lastUserMessage) {
        final Map<String, String> values = new HashMap<>();
        if (lastUserMessage != null) {
            final Matcher m = DIRECTIVE.matcher(lastUserMessage);
            if (m.find()) {
                final Matcher pair = PAIR.matcher(m.group(1));
                while (pair.find()) {
                    values.put(normalise(pair.group(1)), pair.group(2));
                }
            }
        }
        for (final Map.Entry<String, String> h : headers) {
            final String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith(HEADER_PREFIX)) {
                values.put(normalise(name.substring(HEADER_PREFIX.length())), h.getValue().trim());
            }
        }
        return values.isEmpty() ? DEFAULT : from(values);
    }

    private static String normalise(final String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static Behaviour from(final Map<String, String> v) {
        final Behaviour d = DEFAULT;
        for (final String name : v.keySet()) {
            switch (name) {
                case "tokens": case "first_token_ms": case "token_ms": case "status": case "retry_after":
                case "truncate_after": case "truncate_mode": case "stall_ms": case "malformed_after": case "cached":
                    break;
                default:
                    throw new IllegalArgumentException("unknown mock parameter: " + name + " (expected: tokens, "
                        + "first_token_ms, token_ms, status, retry_after, truncate_after, truncate_mode, stall_ms, "
                        + "malformed_after, cached)");
            }
        }
        final int status = (int) number(v, "status", d.status, 200, 599);
        if (status != 200 && status < 400) {
            throw new IllegalArgumentException("status: " + status + " (expected: 200 or 400..599)");
        }
        return new Behaviour(
            (int) number(v, "tokens", d.tokens, 0, 1_000_000),
            number(v, "first_token_ms", d.firstTokenMs, 0, Integer.MAX_VALUE),
            number(v, "token_ms", d.tokenMs, 0, Integer.MAX_VALUE),
            status,
            (int) number(v, "retry_after", d.retryAfterSec, 0, Integer.MAX_VALUE),
            (int) number(v, "truncate_after", d.truncateAfter, 0, Integer.MAX_VALUE),
            mode(v.get("truncate_mode")),
            number(v, "stall_ms", d.stallMs, -1, Integer.MAX_VALUE),
            (int) number(v, "malformed_after", d.malformedAfter, 0, Integer.MAX_VALUE),
            (int) number(v, "cached", d.cachedTokens, 0, Integer.MAX_VALUE));
    }

    private static long number(final Map<String, String> v, final String name, final long dflt, final long min,
        final long max) {
        final String s = v.get(name);
        if (s == null) {
            return dflt;
        }
        final long n;
        try {
            n = Long.parseLong(s);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(name + ": " + s + " (expected: an integer)", e);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + ": " + s + " (expected: " + min + ".." + max + ")");
        }
        return n;
    }

    private static TruncateMode mode(final String s) {
        if (s == null) {
            return DEFAULT.truncateMode;
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "fin":
                return TruncateMode.FIN;
            case "rst":
                return TruncateMode.RST;
            case "clean":
                return TruncateMode.CLEAN;
            default:
                throw new IllegalArgumentException("truncate_mode: " + s + " (expected: fin, rst or clean)");
        }
    }

    /** Returns whether this request is answered with an error status. */
    public boolean isError() {
        return status != 200;
    }
}
