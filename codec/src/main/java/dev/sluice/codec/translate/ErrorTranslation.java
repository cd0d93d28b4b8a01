package dev.sluice.codec.translate;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.ErrorBodies;

import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.Locale;

/**
 * Upstream error bodies in the client's dialect (PROVIDERS.md 4.1, 5.6, 6.6): the provider's message is kept, the
 * type and code are mapped, and anything unrecognisable becomes a generic error naming the provider's status.
 * Thread-safe (stateless).
 */
final class ErrorTranslation {
    private ErrorTranslation() {
    }

    /** What was understood of an upstream error body. */
    static final class UpstreamError {
        final String message;
        /** Anthropic {@code error.type} or OpenAI {@code error.type}; may be null. */
        final String type;
        /** OpenAI {@code error.code}; null for Anthropic. */
        final String code;

        UpstreamError(String message, String type, String code) {
            this.message = message;
            this.type = type;
            this.code = code;
        }
    }

    /** Parses an error body of either dialect; null when it is not a recognisable error. */
    static UpstreamError parse(ByteBuf body) {
        if (body == null || !body.isReadable()) {
            return null;
        }
        JsonNode root;
        try {
            root = Trees.read(body);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        if (!root.isObject()) {
            return null;
        }
        JsonNode error = root.get("error");
        if (error != null && error.isObject()) {
            // Anthropic {"type":"error","error":{"type","message"}} and OpenAI {"error":{"message","type","code"}}.
            String message = textOrNull(error.get("message"));
            if (message == null) {
                return null;
            }
            return new UpstreamError(message, textOrNull(error.get("type")), textOrNull(error.get("code")));
        }
        if (error != null && error.isTextual()) {
            // Some OpenAI-compatible servers send {"error":"..."}.
            return new UpstreamError(error.textValue(), null, null);
        }
        String message = textOrNull(root.get("message"));
        return message == null ? null : new UpstreamError(message, null, textOrNull(root.get("code")));
    }

    private static String textOrNull(JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    /** The message of a body that is not a recognisable error. */
    static String genericMessage(int status) {
        return "The provider answered with HTTP status " + status + ".";
    }

    /** Writes the client's error body for an upstream error; {@code clientStatus} picks the type where needed. */
    static byte[] body(int clientStatus, UpstreamError e, Dialect from, Dialect to) {
        if (to == Dialect.OPENAI) {
            String code = from == Dialect.ANTHROPIC ? openAiCode(e.type, e.message) : e.code;
            return ErrorBodies.json(Dialect.OPENAI, clientStatus, code, e.message, null);
        }
        // Anthropic's SDK picks its error class from the status; the status-derived type agrees with it.
        return ErrorBodies.json(Dialect.ANTHROPIC, clientStatus, null, e.message, null);
    }

    /** The OpenAI {@code code} for an Anthropic error type (PROVIDERS.md 6.6); null when OpenAI has none. */
    static String openAiCode(String anthropicType, String message) {
        if (anthropicType == null) {
            return null;
        }
        switch (anthropicType) {
            case "authentication_error":
                return "invalid_api_key";
            case "rate_limit_error":
                return "rate_limit_exceeded";
            case "billing_error":
                return "insufficient_quota";
            case "not_found_error":
                return message != null && message.toLowerCase(Locale.ROOT).contains("model") ? "model_not_found"
                        : null;
            default:
                return null;
        }
    }
}
