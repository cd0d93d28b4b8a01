package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Finds the text a {@code [[mock ...]]} directive is read from: the last user message of each endpoint
 * (chat and Anthropic {@code messages}, Responses {@code input}, completions {@code prompt}, embeddings
 * {@code input}).
 *
 * <p>Thread-safe (stateless).
 */
public final class LastUserText {
    private LastUserText() {
    }

    /** Returns the text of the last user message of a request to {@code path}, or null when there is none. */
    public static String of(final String path, final JsonNode body) {
        switch (path) {
            case "/v1/chat/completions":
            case "/v1/messages":
                return lastMessage(body.get("messages"));
            case "/v1/responses":
                return responsesInput(body.get("input"));
            case "/v1/completions":
                return lastString(body.get("prompt"));
            case "/v1/embeddings":
                return lastString(body.get("input"));
            default:
                return null;
        }
    }

    /** The last message with role user, or the last message when none has that role. */
    private static String lastMessage(final JsonNode messages) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return null;
        }
        for (int i = messages.size() - 1; i >= 0; i--) {
            final JsonNode m = messages.get(i);
            if ("user".equals(m.path("role").asText())) {
                return content(m.get("content"));
            }
        }
        return content(messages.get(messages.size() - 1).get("content"));
    }

    private static String responsesInput(final JsonNode input) {
        if (input == null) {
            return null;
        }
        if (input.isTextual()) {
            return input.asText();
        }
        if (!input.isArray() || input.isEmpty()) {
            return null;
        }
        for (int i = input.size() - 1; i >= 0; i--) {
            final JsonNode item = input.get(i);
            if ("user".equals(item.path("role").asText())) {
                return content(item.get("content"));
            }
        }
        final JsonNode last = input.get(input.size() - 1);
        return last.isTextual() ? last.asText() : content(last.get("content"));
    }

    /** A string content, or the text parts ({@code text}, {@code input_text}) of a part array joined by newlines. */
    private static String content(final JsonNode content) {
        if (content == null) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            return null;
        }
        final StringBuilder sb = new StringBuilder();
        for (final JsonNode part : content) {
            final String type = part.path("type").asText();
            if (("text".equals(type) || "input_text".equals(type)) && part.path("text").isTextual()) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(part.get("text").asText());
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    private static String lastString(final JsonNode value) {
        if (value == null) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isArray()) {
            for (int i = value.size() - 1; i >= 0; i--) {
                if (value.get(i).isTextual()) {
                    return value.get(i).asText();
                }
            }
        }
        return null;
    }
}
