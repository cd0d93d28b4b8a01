package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * Error bodies and in-band stream error events in each dialect's exact shape (PROVIDERS.md 1.5, 2.3, 4, 5.5,
 * 5.6), so the official SDKs raise their typed errors. Messages and codes are JSON-escaped; the result is UTF-8.
 * For the error path: allocates. Thread-safe (stateless).
 */
public final class ErrorBodies {
    private ErrorBodies() {
    }

    /**
     * Returns an HTTP error body.
     * OpenAI: {@code {"error":{"message":..,"type":..,"param":null,"code":..}}} with the type from
     * {@link #openAiType}; the request id travels in the {@code x-request-id} header only.
     * Anthropic: {@code {"type":"error","error":{"type":..,"message":..},"request_id":..}} with the type from
     * {@link #anthropicType}; Anthropic bodies have no code field.
     *
     * @param code      stable error code, may be null (OpenAI only)
     * @param requestId may be null (Anthropic only)
     */
    public static byte[] json(Dialect d, int status, String code, String message, String requestId) {
        return json(d, status, code, message, requestId, null);
    }

    /**
     * As {@link #json(Dialect, int, String, String, String)}, naming in OpenAI's {@code param} the request member
     * that was refused (null: none in particular); Anthropic bodies have no such field, the message names it.
     */
    public static byte[] json(Dialect d, int status, String code, String message, String requestId, String param) {
        requireNonNull(d, "d");
        requireNonNull(message, "message");
        StringBuilder sb = new StringBuilder(96 + message.length());
        if (d == Dialect.OPENAI) {
            openAiError(sb, openAiType(status, code), code, message, param);
        } else {
            sb.append("{\"type\":\"error\",\"error\":{\"type\":");
            JsonText.quote(sb, anthropicType(status)).append(",\"message\":");
            JsonText.quote(sb, message).append("},\"request_id\":");
            JsonText.quote(sb, requestId).append('}');
        }
        return utf8(sb);
    }

    /**
     * The OpenAI {@code error.type} for a status (PROVIDERS.md 4.2): 429 is {@code requests} (rate limit) or
     * {@code insufficient_quota} when that is the code; 5xx is {@code server_error}; every other status is
     * {@code invalid_request_error} (the SDK picks its class from the status, not the type).
     */
    public static String openAiType(int status, String code) {
        if (status == 429) {
            return "insufficient_quota".equals(code) ? "insufficient_quota" : "requests";
        }
        if (status >= 500) {
            return "server_error";
        }
        return "invalid_request_error";
    }

    /** The Anthropic {@code error.type} for a status (PROVIDERS.md 5.6; 503 is overloaded as in 6.6). */
    public static String anthropicType(int status) {
        switch (status) {
            case 401:
                return "authentication_error";
            case 402:
                return "billing_error";
            case 403:
                return "permission_error";
            case 404:
                return "not_found_error";
            case 413:
                return "request_too_large";
            case 429:
                return "rate_limit_error";
            case 503:
            case 529:
                return "overloaded_error";
            case 504:
                return "timeout_error";
            default:
                return status >= 500 ? "api_error" : "invalid_request_error";
        }
    }

    /** {@link #streamErrorEvent(Endpoint, String, String, long)} with sequence number 0. */
    public static byte[] streamErrorEvent(Endpoint e, String code, String message) {
        return streamErrorEvent(e, code, message, 0);
    }

    /**
     * Returns the exact SSE bytes of the terminal in-band error event for a stream on {@code e}, blank line
     * included. Chat and completions: {@code data: {"error":{..,"type":"server_error",..}}}. Responses:
     * {@code event: error} with the flat {@code {"type":"error","sequence_number":..,"code":..}} data. Messages:
     * {@code event: error} whose error type is {@code code} when it names an Anthropic error type
     * ({@code overloaded_error}, {@code timeout_error}, ...), else {@code api_error}.
     *
     * @param code           stable error code, may be null
     * @param sequenceNumber the Responses event sequence number (ignored elsewhere)
     */
    public static byte[] streamErrorEvent(Endpoint e, String code, String message, long sequenceNumber) {
        requireNonNull(e, "e");
        requireNonNull(message, "message");
        StringBuilder sb = new StringBuilder(96 + message.length());
        switch (e) {
            case RESPONSES:
                sb.append("event: error\ndata: {\"type\":\"error\",\"sequence_number\":").append(sequenceNumber)
                        .append(",\"code\":");
                JsonText.quote(sb, code).append(",\"message\":");
                JsonText.quote(sb, message).append(",\"param\":null}");
                break;
            case MESSAGES:
                sb.append("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":");
                JsonText.quote(sb, isAnthropicType(code) ? code : "api_error").append(",\"message\":");
                JsonText.quote(sb, message).append("}}");
                break;
            default:
                sb.append("data: ");
                openAiError(sb, "server_error", code, message, null);
                break;
        }
        return utf8(sb.append("\n\n"));
    }

    private static boolean isAnthropicType(String code) {
        if (code == null) {
            return false;
        }
        switch (code) {
            case "invalid_request_error":
            case "authentication_error":
            case "billing_error":
            case "permission_error":
            case "not_found_error":
            case "request_too_large":
            case "rate_limit_error":
            case "api_error":
            case "timeout_error":
            case "overloaded_error":
                return true;
            default:
                return false;
        }
    }

    private static void openAiError(StringBuilder sb, String type, String code, String message, String param) {
        sb.append("{\"error\":{\"message\":");
        JsonText.quote(sb, message).append(",\"type\":");
        JsonText.quote(sb, type).append(",\"param\":");
        JsonText.quote(sb, param).append(",\"code\":");
        JsonText.quote(sb, code).append("}}");
    }

    private static byte[] utf8(StringBuilder sb) {
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
