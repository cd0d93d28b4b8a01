package dev.sluice.codec.translate;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Dialect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/**
 * Translates chat request bodies between OpenAI {@code /v1/chat/completions} and Anthropic {@code /v1/messages}
 * (PROVIDERS.md 6.1, 6.2, 6.7). Works on Jackson trees: translation is not on the relay's hot path.
 * Thread-safe (stateless).
 */
public final class RequestTranslator {
    private RequestTranslator() {
    }

    /**
     * Translates a chat request body from the client's dialect to the provider's and returns it as compact UTF-8
     * JSON in a new buffer from {@code alloc}, owned by the caller. {@code upstreamModel} replaces {@code model}.
     * {@code stream}: whether the client asked for a stream; the result then carries {@code "stream": true}, and
     * for an OpenAI provider also {@code "stream_options":{"include_usage":true}}, and otherwise no stream flag.
     * {@code defaultMaxTokens} is used when an OpenAI request to Anthropic has neither
     * {@code max_completion_tokens} nor {@code max_tokens} (P10). Fields the provider cannot take are dropped
     * and recorded in {@code warnings}. When both dialects are the same only the model and the stream fields
     * change. Does not release {@code body} nor move its indices.
     *
     * @throws TranslationException when the body is not JSON of the expected shape, or asks for something the
     *                              provider cannot express ({@code n > 1}, a custom tool, an image type it
     *                              refuses, ...); the message is written for the caller
     */
    public static ByteBuf translate(ByteBufAllocator alloc, ByteBuf body, Dialect from, Dialect to,
            String upstreamModel, boolean stream, long defaultMaxTokens, TranslationWarnings warnings)
            throws TranslationException {
        requireNonNull(alloc, "alloc");
        requireNonNull(body, "body");
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        requireNonNull(upstreamModel, "upstreamModel");
        requireNonNull(warnings, "warnings");
        JsonNode in;
        try {
            in = Trees.read(body);
        } catch (IOException e) {
            throw new TranslationException(null, "The request body is not valid JSON.");
        }
        if (!in.isObject()) {
            throw new TranslationException(null, "The request body must be a JSON object.");
        }
        ObjectNode out;
        if (from == to) {
            out = sameDialect((ObjectNode) in, to, upstreamModel, stream);
        } else if (from == Dialect.OPENAI) {
            out = OpenAiToAnthropicRequest.translate(in, upstreamModel, stream, defaultMaxTokens, warnings);
        } else {
            out = AnthropicToOpenAiRequest.translate(in, upstreamModel, stream, warnings);
        }
        return Trees.write(alloc, out);
    }

    private static ObjectNode sameDialect(ObjectNode body, Dialect d, String upstreamModel, boolean stream) {
        body.put("model", upstreamModel);
        if (!stream) {
            body.remove("stream");
            body.remove("stream_options");
            return body;
        }
        body.put("stream", true);
        if (d == Dialect.OPENAI) {
            JsonNode options = body.get("stream_options");
            ObjectNode target = options != null && options.isObject() ? (ObjectNode) options
                    : body.putObject("stream_options");
            target.put("include_usage", true);
        }
        return body;
    }
}
