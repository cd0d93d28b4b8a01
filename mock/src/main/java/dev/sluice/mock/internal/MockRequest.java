package dev.sluice.mock.internal;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaders;

import static java.util.Objects.requireNonNull;

/**
 * One request as the responders see it: the parsed JSON body, the behaviour, and the generated request id.
 *
 * <p>Immutable after construction; used on the channel's event loop.
 */
public final class MockRequest {
    /** Characters per content event of a fixed answer. */
    static final int FIXED_CHUNK = 4;
    private final String path;
    private final HttpHeaders headers;
    private final int bodyBytes;
    private final JsonNode json;
    private final Behaviour behaviour;
    private final String requestId;
    private final String fixedText;

    /**
     * @param path      the request path without query
     * @param headers   the request headers
     * @param bodyBytes the size of the request body in bytes
     * @param json      the parsed body (an empty object for bodiless requests)
     * @param behaviour the parsed behaviour
     * @param requestId the generated request id sent back in the dialect's header
     */
    public MockRequest(final String path, final HttpHeaders headers, final int bodyBytes, final JsonNode json,
        final Behaviour behaviour, final String requestId) {
        this(path, headers, bodyBytes, json, behaviour, requestId, null);
    }

    /**
     * @param fixedText the answer's whole text (drawn from {@code answers}, or a judge's verdict), or null: the
     *                  behaviour's echo or generated words
     */
    public MockRequest(final String path, final HttpHeaders headers, final int bodyBytes, final JsonNode json,
        final Behaviour behaviour, final String requestId, final String fixedText) {
        this.path = requireNonNull(path, "path");
        this.headers = requireNonNull(headers, "headers");
        this.bodyBytes = bodyBytes;
        this.json = requireNonNull(json, "json");
        this.behaviour = requireNonNull(behaviour, "behaviour");
        this.requestId = requireNonNull(requestId, "requestId");
        this.fixedText = fixedText;
    }

    /** Returns the request path without the query string. */
    public String path() {
        return path;
    }

    /** Returns the request headers. */
    public HttpHeaders headers() {
        return headers;
    }

    /** Returns the parsed body (an empty object for bodiless requests). */
    public JsonNode json() {
        return json;
    }

    /** Returns the parsed behaviour. */
    public Behaviour behaviour() {
        return behaviour;
    }

    /** Returns the generated request id. */
    public String requestId() {
        return requestId;
    }

    /** Returns the requested model name, echoed back as sent. */
    public String model() {
        final JsonNode m = json.get("model");
        if (m == null || !m.isTextual() || m.asText().isEmpty()) {
            throw new MockException(400, "model: missing (expected: a model name)", "missing_required_parameter");
        }
        return m.asText();
    }

    /** Returns whether {@code "stream": true} was asked for (never decided from {@code Accept}, PROVIDERS.md 1.1). */
    public boolean stream() {
        return json.path("stream").asBoolean(false);
    }

    /** Returns whether {@code stream_options.include_usage} is true. */
    public boolean includeUsage() {
        return json.path("stream_options").path("include_usage").asBoolean(false);
    }

    /** Returns the prompt token estimate: body bytes / 4, and never fewer than the cached tokens reported. */
    public int promptTokens() {
        return Math.max(bodyBytes / 4, behaviour.cachedTokens());
    }

    /** Returns the cached prompt tokens to report. */
    public int cachedTokens() {
        return behaviour.cachedTokens();
    }

    /**
     * Returns the number of content tokens to generate: the behaviour's {@code tokens}, capped by the first
     * of {@code limitFields} present in the body; negative when the cap was reached (finish by length).
     */
    public TokenPlan plan(final String... limitFields) {
        final List<String> echo = echoChunks();
        final int wanted = echo != null ? echo.size() : behaviour.tokens();
        for (final String field : limitFields) {
            final JsonNode limit = json.get(field);
            if (limit != null && !limit.isNull()) {
                if (!limit.canConvertToInt() || limit.asInt() < 0) {
                    throw new MockException(400, field + ": " + limit + " (expected: a non-negative integer)",
                        "invalid_value");
                }
                final int max = limit.asInt();
                return wanted >= max ? new TokenPlan(max, true, echo) : new TokenPlan(wanted, false, echo);
            }
        }
        return new TokenPlan(wanted, false, echo);
    }

    /**
     * The answer's fixed text ({@code answers}, {@code judge}) in pieces of {@value #FIXED_CHUNK} characters, or the
     * last user text cut into {@code echo=N} pieces, or null when the answer is generated words.
     */
    private List<String> echoChunks() {
        if (fixedText != null) {
            return chunks(fixedText, FIXED_CHUNK);
        }
        final int size = behaviour.echoChunk();
        if (size <= 0) {
            return null;
        }
        return chunks(Behaviour.withoutDirective(LastUserText.of(path, json)), size);
    }

    private static List<String> chunks(final String text, final int size) {
        final List<String> chunks = new ArrayList<>();
        for (int i = 0; i < text.length(); i += size) {
            int end = Math.min(text.length(), i + size);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end++;
            }
            chunks.add(text.substring(i, end));
            i = end - size;
        }
        return chunks;
    }

    /**
     * How many tokens an answer has and whether it stopped at the caller's limit.
     *
     * @param count    content tokens
     * @param hitLimit the limit was reached (finish_reason length / stop_reason max_tokens)
     */
    public record TokenPlan(int count, boolean hitLimit, List<String> echo) {
        /** The text of content event {@code i}. */
        public String token(final int i) {
            return echo != null ? echo.get(i) : Words.token(i);
        }

        /** The whole answer's text. */
        public String text() {
            if (echo == null) {
                return Words.text(count);
            }
            return String.join("", echo.subList(0, count));
        }
    }
}
