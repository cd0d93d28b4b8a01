package dev.sluice.mock.internal;

import io.netty.handler.codec.http.HttpHeaders;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-request fault and timing settings, parsed from {@code x-mock-<name>} request headers and from a
 * {@code [[mock name=value ...]]} directive in the last user message, on top of the defaults programmed for the
 * request's model ({@code MockProvider.behave}); per parameter a header wins over the directive, and the
 * directive over the model's defaults. Names are the directive's ({@code first_token_ms}); the header form uses
 * dashes ({@code x-mock-first-token-ms}).
 *
 * <p>Parameters (defaults in brackets):
 * <ul>
 *   <li>{@code tokens=N} [12] content tokens to generate; {@code cached=N} [0] cached prompt tokens to report.</li>
 *   <li>{@code first_token_ms=N} [0] delay before the first SSE event (or the whole JSON answer);
 *       {@code token_ms=N} [0] delay between later events.</li>
 *   <li>{@code head_delay_ms=N} [0] after the whole request was read, wait N ms before anything is sent, even
 *       the response head (-1: forever; a stall before headers). Every other timing starts after it.</li>
 *   <li>{@code stall_ms=N} [0] silence after the response head before the body starts (-1: forever).</li>
 *   <li>{@code status=N} [200] answer with this status at once: 400..599 as the dialect's error body,
 *       300..399 as a redirect with an empty body; {@code retry_after=N} sends {@code retry-after};
 *       {@code location=URL} sends {@code Location} (with a 3xx status: the redirect target).</li>
 *   <li>{@code reset_before_head=1} read the whole request, then reset the connection (TCP RST, SO_LINGER 0)
 *       without a response.</li>
 *   <li>{@code truncate_after=N} stop after N SSE events (JSON: N body bytes), ending by
 *       {@code truncate_mode=fin|rst|clean} [fin]; {@code malformed_after=N} inject one event whose data is not
 *       JSON after N events.</li>
 *   <li>{@code huge_line=N} a stream whose body is one {@code data:} line of N bytes (prefix included) with no
 *       newline, then silence until the peer closes.</li>
 *   <li>{@code error_event_after=N} after N content events (deltas) send the dialect's in-stream error event
 *       (OpenAI {@code data: {"error":...}}, Anthropic {@code event: error} with {@code overloaded_error}) and
 *       end the response cleanly (chat, completions and messages streams).</li>
 *   <li>{@code set_cookie=1} adds {@code Set-Cookie: session=secret; Path=/}; {@code hop_headers=1} adds
 *       {@code Connection: keep-alive, X-Hop} (or {@code close, X-Hop}), {@code X-Hop: 1},
 *       {@code Keep-Alive: timeout=5} and {@code Proxy-Connection: keep-alive}; {@code content_type=T} replaces
 *       the response's content type.</li>
 *   <li>{@code usage=normal|none|zero|negative|absurd|dup|in_choices} what usage chat and messages answers
 *       report, see {@link UsageMode}.</li>
 *   <li>{@code tool_call=1|2} answer with one call (two parallel calls) to the first tool of the request's
 *       {@code tools}, arguments built from its schema (strings "x", numbers 1) and streamed in fragments;
 *       {@code thinking=1} a thinking block (OpenAI: {@code reasoning_content}) before the answer;
 *       {@code stop=1} the answer ends on a stop sequence (Anthropic: the request's first one). Chat and
 *       messages only.</li>
 *   <li>{@code echo=N} the answer's text is the last user message (its directive removed) cut into content
 *       events of N characters each (JSON: the whole text), so a test chooses what the answer says and where
 *       it is split. Chat, completions, responses and messages.</li>
 *   <li>{@code content_encoding=NAME} labels the answer {@code Content-Encoding: NAME} without encoding it.</li>
 *   <li>{@code answers=A|B|C} the answer's whole text is one of these (each percent-encoded), drawn with the
 *       probabilities {@code p=0.8|0.15|0.05} [equal] from one random sequence per {@code seed=N} [unseeded]
 *       and directive, kept for the server's life: N requests with the same directive draw N successive values, so
 *       how many got each answer does not depend on the order they arrived in. Streamed in pieces of 4
 *       characters. Chat, completions, responses and messages.</li>
 *   <li>{@code judge=1} the mock judges: its answer is {@code {"pass":true,"reason":...}} when the text of the
 *       first {@code <expected>...</expected>} of the last user message occurs in its first
 *       {@code <answer>...</answer>} (ignoring case), else {@code {"pass":false,...}} (also when either element is
 *       missing). Given {@code <answer_a>} and {@code <answer_b>} instead, it prefers the longer:
 *       {@code {"better":"A"|"B"|"tie",...}}. Streamed like {@code answers}; not with {@code answers} or
 *       {@code echo}.</li>
 *   <li>{@code error_message=TEXT} (percent-encoded) the message of an injected error status.</li>
 * </ul>
 *
 * <p>Immutable, so thread-safe.
 *
 * @param tokens          content tokens to generate
 * @param firstTokenMs    delay before the first SSE event (or the whole JSON answer)
 * @param tokenMs         delay between later SSE events
 * @param status          the status to answer with; anything but 200 is answered at once
 * @param retryAfterSec   {@code retry-after} seconds sent with an error status, or -1 for none
 * @param truncateAfter   stop after this many SSE events (JSON: body bytes), or -1 for no truncation
 * @param truncateMode    how a truncated answer ends
 * @param stallMs         silence after the response headers before the stream starts; -1 is forever
 * @param malformedAfter  inject one event with invalid JSON after this many events, or -1
 * @param cachedTokens    cached prompt tokens to report
 * @param headDelayMs     delay before the response head, after the whole request was read; -1 is forever
 * @param resetBeforeHead reset the connection instead of answering
 * @param location        the {@code Location} header to send, or null
 * @param setCookie       add a {@code Set-Cookie} header
 * @param hopHeaders      add hop-by-hop headers
 * @param contentType     the content type to send instead of the real one, or null
 * @param usage           what usage to report
 * @param hugeLineBytes   send one unterminated {@code data:} line of this many bytes, or -1
 * @param errorEventAfter send the in-stream error event after this many content events, or -1
 * @param toolCalls       tool calls to answer with (0, 1 or 2)
 * @param thinking        send a thinking block first
 * @param stopSequence    end the answer on a stop sequence
 * @param echoChunk       characters per content event of an echoed answer, or 0: the generated words
 * @param contentEncoding a {@code Content-Encoding} label to send (the body is not encoded), or null
 * @param errorMessage    the message of an injected error status instead of the default, or null
 * @param answers         the alternatives the answer's text is drawn from, or null
 * @param probabilities   the probability of each alternative (as many as {@code answers}), or null
 * @param answersKey      what identifies the draw's random sequence ({@code answers}, {@code p} and {@code seed} as
 *                        written), or null
 * @param seed            the seed of that sequence, or null: unseeded
 * @param judge           answer as a judge of the last user message's {@code <answer>}
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
    int cachedTokens,
    long headDelayMs,
    boolean resetBeforeHead,
    String location,
    boolean setCookie,
    boolean hopHeaders,
    String contentType,
    UsageMode usage,
    long hugeLineBytes,
    int errorEventAfter,
    int toolCalls,
    boolean thinking,
    boolean stopSequence,
    int echoChunk,
    String contentEncoding,
    String errorMessage,
    List<String> answers,
    List<Double> probabilities,
    String answersKey,
    Long seed,
    boolean judge) {

    /** The settings when nothing is asked for. */
    public static final Behaviour DEFAULT = new Behaviour(12, 0, 0, 200, -1, -1, TruncateMode.FIN, 0, -1, 0,
        0, false, null, false, false, null, UsageMode.NORMAL, -1, -1, 0, false, false, 0, null, null, null, null, null,
        null, false);

    /** The prefix of every behaviour header. */
    public static final String HEADER_PREFIX = "x-mock-";

    /** The largest {@code huge_line}: 4 GiB is far past any sane SSE line limit. */
    public static final long MAX_HUGE_LINE_BYTES = 4L << 30;

    /** Every parameter name, in the order the error message lists them. */
    public static final List<String> PARAMETERS = List.of("tokens", "first_token_ms", "token_ms", "status",
        "retry_after", "truncate_after", "truncate_mode", "stall_ms", "malformed_after", "cached", "head_delay_ms",
        "reset_before_head", "location", "set_cookie", "hop_headers", "content_type", "usage", "huge_line",
        "error_event_after", "tool_call", "thinking", "stop", "echo", "content_encoding", "error_message", "answers",
        "p", "seed", "judge");

    private static final String PAIR_TEXT = "[A-Za-z_-]+=[^\\s\\]]*";
    private static final Pattern DIRECTIVE = Pattern.compile("\\[\\[mock((?:\\s+" + PAIR_TEXT + ")*)\\s*]]");
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_-]+)=([^\\s\\]]*)");
    private static final Pattern PAIRS_ONLY = Pattern.compile("\\s*(?:" + PAIR_TEXT + "\\s*)*");

    /** {@code text} without its {@code [[mock ...]]} directive (and the blank that preceded it). */
    public static String withoutDirective(final String text) {
        return text == null ? "" : DIRECTIVE.matcher(text).replaceAll("").strip();
    }

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
        return parse(headers, lastUserMessage, Map.of());
    }

    /**
     * Parses the settings for one request on top of {@code defaults} (normalised names to values, as
     * {@link #pairs} returns them).
     *
     * @throws IllegalArgumentException naming the parameter when a name or value is invalid
     */
    public static Behaviour parse(final HttpHeaders headers, final String lastUserMessage,
        final Map<String, String> defaults) {
        final Map<String, String> values = new HashMap<>(defaults);
        if (lastUserMessage != null) {
            final Matcher m = DIRECTIVE.matcher(lastUserMessage);
            if (m.find()) {
                putPairs(m.group(1), values);
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

    /**
     * Returns the {@code name=value} pairs of a directive text such as {@code "status=503 times=5"} (the
     * {@code [[mock ...]]} brackets are optional), names normalised, in order; nothing is validated but the
     * syntax.
     *
     * @throws IllegalArgumentException when the text is not a list of pairs
     */
    public static Map<String, String> pairs(final String directive) {
        String text = directive.trim();
        if (text.startsWith("[[mock") && text.endsWith("]]")) {
            text = text.substring("[[mock".length(), text.length() - 2);
        }
        if (!PAIRS_ONLY.matcher(text).matches()) {
            throw new IllegalArgumentException("directive: " + directive
                + " (expected: name=value pairs separated by spaces)");
        }
        final Map<String, String> out = new LinkedHashMap<>();
        putPairs(text, out);
        return out;
    }

    /**
     * Returns the settings for exactly {@code values} (normalised names) on top of the defaults.
     *
     * @throws IllegalArgumentException naming the parameter when a name or value is invalid
     */
    public static Behaviour of(final Map<String, String> values) {
        return values.isEmpty() ? DEFAULT : from(values);
    }

    private static void putPairs(final String text, final Map<String, String> into) {
        final Matcher pair = PAIR.matcher(text);
        while (pair.find()) {
            into.put(normalise(pair.group(1)), pair.group(2));
        }
    }

    private static String normalise(final String name) {
        return name.toLowerCase(Locale.ROOT).replace('-', '_');
    }

    private static Behaviour from(final Map<String, String> v) {
        final Behaviour d = DEFAULT;
        for (final String name : v.keySet()) {
            if (!PARAMETERS.contains(name)) {
                throw new IllegalArgumentException("unknown mock parameter: " + name + " (expected: "
                    + String.join(", ", PARAMETERS) + ")");
            }
        }
        final int status = (int) number(v, "status", d.status, 200, 599);
        if (status != 200 && status < 300) {
            throw new IllegalArgumentException("status: " + status + " (expected: 200 or 300..599)");
        }
        final List<String> answers = answers(v);
        final List<Double> probabilities = probabilities(v, answers);
        final boolean judge = flag(v, "judge");
        if (judge && (answers != null || v.containsKey("echo"))) {
            throw new IllegalArgumentException("judge: not with answers or echo (the judge's answer is its verdict)");
        }
        if (answers != null && v.containsKey("echo")) {
            throw new IllegalArgumentException("answers: not with echo (one or the other makes the answer's text)");
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
            (int) number(v, "cached", d.cachedTokens, 0, Integer.MAX_VALUE),
            number(v, "head_delay_ms", d.headDelayMs, -1, Integer.MAX_VALUE),
            flag(v, "reset_before_head"),
            text(v, "location"),
            flag(v, "set_cookie"),
            flag(v, "hop_headers"),
            text(v, "content_type"),
            v.containsKey("usage") ? UsageMode.parse(v.get("usage")) : d.usage,
            number(v, "huge_line", d.hugeLineBytes, 0, MAX_HUGE_LINE_BYTES),
            (int) number(v, "error_event_after", d.errorEventAfter, 0, Integer.MAX_VALUE),
            (int) number(v, "tool_call", d.toolCalls, 0, 2),
            flag(v, "thinking"),
            flag(v, "stop"),
            (int) number(v, "echo", d.echoChunk, 0, 1_000_000),
            text(v, "content_encoding"),
            v.containsKey("error_message") ? URLDecoder.decode(v.get("error_message"), StandardCharsets.UTF_8) : null,
            answers,
            probabilities,
            answers == null ? null : v.get("answers") + " p=" + v.get("p") + " seed=" + v.get("seed"),
            v.containsKey("seed") ? number(v, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE) : null,
            judge);
    }

    private static List<String> answers(final Map<String, String> v) {
        final String s = v.get("answers");
        if (s == null) {
            if (v.containsKey("p") || v.containsKey("seed")) {
                throw new IllegalArgumentException((v.containsKey("p") ? "p" : "seed")
                    + ": only with answers=A|B (the alternatives it draws from)");
            }
            return null;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("answers: empty (expected: A|B|..., each percent-encoded)");
        }
        final List<String> out = new ArrayList<>();
        for (final String a : s.split("\\|", -1)) {
            try {
                out.add(URLDecoder.decode(a, StandardCharsets.UTF_8));
            } catch (final IllegalArgumentException e) {
                throw new IllegalArgumentException("answers: " + a + " (expected: percent-encoded text)", e);
            }
        }
        return List.copyOf(out);
    }

    private static List<Double> probabilities(final Map<String, String> v, final List<String> answers) {
        if (answers == null) {
            return null;
        }
        final double[] p = new double[answers.size()];
        final String s = v.get("p");
        if (s == null) {
            return Collections.nCopies(p.length, 1.0 / p.length);
        }
        final String[] parts = s.split("\\|", -1);
        if (parts.length != p.length) {
            throw new IllegalArgumentException("p: " + parts.length + " probabilities for " + p.length
                + " answers (expected: one per answer)");
        }
        double sum = 0;
        for (int i = 0; i < parts.length; i++) {
            try {
                p[i] = Double.parseDouble(parts[i]);
            } catch (final NumberFormatException e) {
                throw new IllegalArgumentException("p: " + parts[i] + " (expected: a number from 0 to 1)", e);
            }
            if (!(p[i] >= 0 && p[i] <= 1)) {
                throw new IllegalArgumentException("p: " + parts[i] + " (expected: a number from 0 to 1)");
            }
            sum += p[i];
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("p: " + s + " sums to " + sum + " (expected: 1)");
        }
        return Arrays.stream(p).boxed().toList();
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

    private static boolean flag(final Map<String, String> v, final String name) {
        final String s = v.get(name);
        if (s == null) {
            return false;
        }
        switch (s.toLowerCase(Locale.ROOT)) {
            case "1":
            case "true":
                return true;
            case "0":
            case "false":
                return false;
            default:
                throw new IllegalArgumentException(name + ": " + s + " (expected: 1 or 0)");
        }
    }

    private static String text(final Map<String, String> v, final String name) {
        final String s = v.get(name);
        if (s != null && s.isEmpty()) {
            throw new IllegalArgumentException(name + ": empty (expected: a value)");
        }
        return s;
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
        return status >= 400;
    }

    /** Returns whether this request is answered with a redirect status (300..399). */
    public boolean isRedirect() {
        return status >= 300 && status < 400;
    }
}
