package dev.sluice.mock.internal;

import java.nio.charset.StandardCharsets;

/**
 * Error bodies in each dialect: OpenAI {@code {"error":{"message","type","param","code"}}} (PROVIDERS.md 4.1)
 * and Anthropic {@code {"type":"error","error":{"type","message"},"request_id"}} (PROVIDERS.md 5.6).
 *
 * <p>Thread-safe (stateless).
 */
public final class ErrorBodies {
    private ErrorBodies() {
    }

    /** Returns the error body for {@code status} in {@code dialect}. {@code code} may be null. */
    public static byte[] of(final Dialect dialect, final int status, final String message, final String code,
        final String requestId) {
        final String text = dialect == Dialect.ANTHROPIC
            ? "{\"type\":\"error\",\"error\":{\"type\":" + Json.quote(anthropicType(status)) + ",\"message\":"
                + Json.quote(message) + "},\"request_id\":" + Json.quote(requestId) + '}'
            : "{\"error\":{\"message\":" + Json.quote(message) + ",\"type\":" + Json.quote(openAiType(status))
                + ",\"param\":null,\"code\":" + Json.quote(code == null ? openAiCode(status) : code) + "}}";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Returns the default message for an injected {@code status}. */
    public static String defaultMessage(final Dialect dialect, final int status) {
        switch (status) {
            case 400: return "Invalid request (injected by the mock provider).";
            case 401: return dialect == Dialect.ANTHROPIC ? "invalid x-api-key" : "Incorrect API key provided.";
            case 403: return "You do not have access to this resource.";
            case 404: return "The requested resource could not be found.";
            case 413: return "Request exceeds the maximum allowed number of bytes.";
            case 429: return dialect == Dialect.ANTHROPIC
                ? "Number of request tokens has exceeded your per-minute rate limit."
                : "Rate limit reached for requests. Please try again later.";
            case 500: return dialect == Dialect.ANTHROPIC
                ? "Internal server error" : "The server had an error while processing your request. Sorry about that!";
            case 503: return "The engine is currently overloaded, please try again later";
            case 529: return "Overloaded";
            default: return "Error " + status + " (injected by the mock provider).";
        }
    }

    static String anthropicType(final int status) {
        switch (status) {
            case 401: return "authentication_error";
            case 402: return "billing_error";
            case 403: return "permission_error";
            case 404: return "not_found_error";
            case 413: return "request_too_large";
            case 429: return "rate_limit_error";
            case 504: return "timeout_error";
            case 529: return "overloaded_error";
            default: return status >= 500 ? "api_error" : "invalid_request_error";
        }
    }

    static String openAiType(final int status) {
        if (status == 429) {
            return "requests";
        }
        return status >= 500 ? "server_error" : "invalid_request_error";
    }

    static String openAiCode(final int status) {
        switch (status) {
            case 401: return "invalid_api_key";
            case 429: return "rate_limit_exceeded";
            default: return null;
        }
    }
}
