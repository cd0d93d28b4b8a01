package dev.sluice.codec.translate;

import dev.sluice.codec.ErrorBodies;
import dev.sluice.codec.JsonText;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * In-band stream errors carried from one dialect to the other (PROVIDERS.md 1.5, 5.5, 6.5, 6.6): the message is
 * kept, the type is mapped through the HTTP status the error stands for. Thread-safe (stateless).
 */
final class StreamErrors {
    static final String DEFAULT_MESSAGE = "The upstream provider reported an error during the stream.";

    private StreamErrors() {
    }

    /** Whether a JSON value is truthy as JavaScript sees it (the OpenAI SDK throws on a truthy {@code error}). */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isTextual()) {
            return !value.textValue().isEmpty();
        }
        if (value.isNumber()) {
            return value.doubleValue() != 0;
        }
        return true;
    }

    /**
     * Appends {@code data: {"error":{"message":..,"type":..,"param":null,"code":..}}} and the blank line for an
     * Anthropic error object ({@code {"type":..,"message":..}}, possibly missing).
     */
    static void appendOpenAi(StringBuilder sb, JsonNode anthropicError) {
        String type = anthropicError == null ? null : AbstractStreamTranslator.text(anthropicError, "type");
        String message = anthropicError == null ? null : AbstractStreamTranslator.text(anthropicError, "message");
        int status = statusOfAnthropic(type);
        String code = openAiCode(type, status);
        sb.append("data: {\"error\":{\"message\":");
        JsonText.quote(sb, AbstractStreamTranslator.isEmpty(message) ? DEFAULT_MESSAGE : message).append(",\"type\":");
        JsonText.quote(sb, ErrorBodies.openAiType(status, code)).append(",\"param\":null,\"code\":");
        JsonText.quote(sb, code).append("}}\n\n");
    }

    /**
     * Appends {@code event: error} with {@code {"type":"error","error":{"type":..,"message":..}}} and the blank
     * line, for an OpenAI {@code error} value (an object, or a bare message string from lax providers).
     */
    static void appendAnthropic(StringBuilder sb, JsonNode openAiError) {
        String message = null;
        String type = "api_error";
        if (openAiError != null && openAiError.isTextual()) {
            message = openAiError.textValue();
        } else if (openAiError != null && openAiError.isObject()) {
            message = AbstractStreamTranslator.text(openAiError, "message");
            type = anthropicType(openAiError.get("code"), AbstractStreamTranslator.text(openAiError, "type"));
        }
        sb.append("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":");
        JsonText.quote(sb, type).append(",\"message\":");
        JsonText.quote(sb, AbstractStreamTranslator.isEmpty(message) ? DEFAULT_MESSAGE : message).append("}}\n\n");
    }

    /** The HTTP status an Anthropic error type stands for (PROVIDERS.md 5.6); 500 for an unknown one. */
    static int statusOfAnthropic(String type) {
        if (type == null) {
            return 500;
        }
        switch (type) {
            case "invalid_request_error":
                return 400;
            case "authentication_error":
                return 401;
            case "billing_error":
                return 402;
            case "permission_error":
                return 403;
            case "not_found_error":
                return 404;
            case "request_too_large":
                return 413;
            case "rate_limit_error":
                return 429;
            case "timeout_error":
                return 504;
            case "overloaded_error":
                return 529;
            default:
                return 500;
        }
    }

    // OpenAI's codes where one exists (6.6); otherwise the Anthropic type, so the client still sees what failed.
    private static String openAiCode(String anthropicType, int status) {
        if (status == 401) {
            return "invalid_api_key";
        }
        if (status == 429) {
            return "rate_limit_exceeded";
        }
        return anthropicType == null ? "api_error" : anthropicType;
    }

    /** The Anthropic error type for an OpenAI error's {@code code} (string or status number) and {@code type}. */
    static String anthropicType(JsonNode code, String type) {
        if (code != null && code.isIntegralNumber()) {
            return ErrorBodies.anthropicType(code.intValue());
        }
        String c = code != null && code.isTextual() ? code.textValue() : null;
        if (c != null) {
            switch (c) {
                case "rate_limit_exceeded":
                case "insufficient_quota":
                    return "rate_limit_error";
                case "invalid_api_key":
                    return "authentication_error";
                case "model_not_found":
                    return "not_found_error";
                case "context_length_exceeded":
                    return "invalid_request_error";
                default:
                    if (statusOfAnthropic(c) != 500 || "api_error".equals(c)) {
                        // Already an Anthropic type (a gateway upstream passed it through).
                        return c;
                    }
            }
        }
        if (type == null) {
            return "api_error";
        }
        switch (type) {
            case "invalid_request_error":
                return "invalid_request_error";
            case "requests":
            case "tokens":
            case "insufficient_quota":
            case "rate_limit_error":
                return "rate_limit_error";
            case "authentication_error":
                return "authentication_error";
            case "not_found_error":
                return "not_found_error";
            case "overloaded_error":
            case "service_unavailable":
                return "overloaded_error";
            case "timeout":
            case "timeout_error":
                return "timeout_error";
            default:
                return "api_error";
        }
    }
}
