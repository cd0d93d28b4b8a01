package dev.sluice.codec.translate;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/**
 * Translates whole (non-streamed) response bodies and error bodies from the provider's dialect to the client's
 * (PROVIDERS.md 6.3, 6.4, 6.6). Works on Jackson trees: translation is not on the relay's hot path.
 * Thread-safe (stateless).
 */
public final class ResponseTranslator {
    /** Anthropic's overloaded status, which OpenAI clients see as 503 (PROVIDERS.md 6.6). */
    static final int ANTHROPIC_OVERLOADED = 529;
    static final int SERVICE_UNAVAILABLE = 503;

    private ResponseTranslator() {
    }

    /**
     * Translates a whole non-streamed success body from the provider's dialect to the client's and returns it as
     * compact UTF-8 JSON in a new buffer from {@code alloc}, owned by the caller; when both dialects are the same
     * the bytes are copied unchanged. Fills {@code usage} (reset first; {@link Usage} semantics: inputTokens
     * counts all input including cache reads and writes, an unreported count stays -1) and its finish reason.
     * Generated ids: {@code chatcmpl-...} for OpenAI, {@code msg_...} for Anthropic; {@code model} is the one the
     * provider answered with. Dropped content (thinking blocks for OpenAI clients, ...) is recorded in
     * {@code warnings}. Does not release {@code body} nor move its indices.
     *
     * @throws TranslationException when the body is not a response of the provider dialect's shape
     */
    public static ByteBuf translate(ByteBufAllocator alloc, ByteBuf body, Dialect from, Dialect to, Usage usage,
            TranslationWarnings warnings) throws TranslationException {
        return translate(alloc, body, from, to, usage, warnings, Clock.SYSTEM);
    }

    /** As above, the OpenAI {@code created} time read from {@code clock}. */
    public static ByteBuf translate(ByteBufAllocator alloc, ByteBuf body, Dialect from, Dialect to, Usage usage,
            TranslationWarnings warnings, Clock clock) throws TranslationException {
        requireNonNull(alloc, "alloc");
        requireNonNull(body, "body");
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        requireNonNull(usage, "usage");
        requireNonNull(warnings, "warnings");
        JsonNode in;
        try {
            in = Trees.read(body);
        } catch (IOException e) {
            throw new TranslationException(null, "The provider's response is not valid JSON.");
        }
        if (from == to) {
            fillUsage(in, from, usage);
            return alloc.buffer(body.readableBytes()).writeBytes(body, body.readerIndex(), body.readableBytes());
        }
        JsonNode out = from == Dialect.ANTHROPIC
                ? AnthropicToOpenAiResponse.translate(in, usage, warnings, clock.wallMs() / 1000)
                : OpenAiToAnthropicResponse.translate(in, usage, warnings);
        return Trees.write(alloc, out);
    }

    private static void fillUsage(JsonNode in, Dialect d, Usage usage) throws TranslationException {
        Trees.requiredObject(in, "body");
        if (d == Dialect.ANTHROPIC) {
            ResponseUsage.fromAnthropic(in.get("usage"), Trees.string(in.get("stop_reason"), "stop_reason"), usage);
            return;
        }
        JsonNode choices = in.get("choices");
        JsonNode first = choices != null && choices.isArray() && !choices.isEmpty() ? choices.get(0) : null;
        String finish = first == null ? null : Trees.string(first.get("finish_reason"), "choices[0].finish_reason");
        ResponseUsage.fromOpenAi(in.get("usage"), finish, usage);
    }

    /**
     * Translates an error body (any status &gt;= 400) into the client dialect's error shape and returns it in a
     * new buffer from {@code alloc}, owned by the caller. The provider's message is kept and its type and code
     * are mapped (PROVIDERS.md 6.6); with the same dialect on both sides a recognisable body is copied unchanged.
     * A body that is not a recognisable error (not JSON, no message) becomes a generic one whose message names
     * the provider's status. Never throws for any body; does not release {@code body} nor move its indices.
     */
    public static ByteBuf translateError(ByteBufAllocator alloc, int status, ByteBuf body, Dialect from,
            Dialect to) {
        requireNonNull(alloc, "alloc");
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        int clientStatus = translateErrorStatus(status, from, to);
        ErrorTranslation.UpstreamError error = ErrorTranslation.parse(body);
        byte[] bytes;
        if (error == null) {
            bytes = ErrorTranslation.body(clientStatus,
                    new ErrorTranslation.UpstreamError(ErrorTranslation.genericMessage(status), null, null), to, to);
        } else if (from == to) {
            return alloc.buffer(body.readableBytes()).writeBytes(body, body.readerIndex(), body.readableBytes());
        } else {
            bytes = ErrorTranslation.body(clientStatus, error, from, to);
        }
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    /**
     * The status the client should see for an upstream error status (PROVIDERS.md 6.6): Anthropic's 529
     * (overloaded) becomes 503 for an OpenAI client; every other status, OpenAI's 503 included, is kept.
     */
    public static int translateErrorStatus(int status, Dialect from, Dialect to) {
        if (from == Dialect.ANTHROPIC && to == Dialect.OPENAI && status == ANTHROPIC_OVERLOADED) {
            return SERVICE_UNAVAILABLE;
        }
        return status;
    }
}
