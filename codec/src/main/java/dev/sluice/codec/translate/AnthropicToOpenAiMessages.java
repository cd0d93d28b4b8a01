package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Anthropic {@code system} and {@code messages} to OpenAI chat {@code messages} (PROVIDERS.md 6.2): the system
 * prompt becomes the first message; each {@code tool_result} block becomes a {@code tool} message ahead of the
 * rest of its user turn; {@code tool_use} blocks become {@code tool_calls}; thinking blocks are dropped (P16).
 * Confined to the calling thread.
 */
final class AnthropicToOpenAiMessages {
    /** Prefixed to a tool result's content when {@code is_error} is true: OpenAI tool messages have no flag. */
    static final String ERROR_PREFIX = "Error: ";

    private final TranslationWarnings warnings;
    private final ArrayNode out;

    private AnthropicToOpenAiMessages(TranslationWarnings warnings, ArrayNode out) {
        this.warnings = warnings;
        this.out = out;
    }

    static void translate(JsonNode system, JsonNode messages, ArrayNode out, TranslationWarnings warnings)
            throws TranslationException {
        AnthropicToOpenAiMessages t = new AnthropicToOpenAiMessages(warnings, out);
        if (!absent(system)) {
            t.system(system, "system");
        }
        Trees.requiredArray(messages, "messages");
        for (int i = 0; i < messages.size(); i++) {
            t.message(messages.get(i), "messages[" + i + "]");
        }
    }

    private void system(JsonNode system, String path) throws TranslationException {
        String text = joinedText(system, path, "\n");
        if (text.isEmpty()) {
            warnings.dropped(path);
            return;
        }
        ObjectNode m = out.addObject();
        m.put("role", "system");
        m.put("content", text);
    }

    /** The text of a string or of text blocks, joined by {@code separator}; other block types are refused. */
    private String joinedText(JsonNode content, String path, String separator) throws TranslationException {
        if (content.isTextual()) {
            return content.textValue();
        }
        Trees.requiredArray(content, path);
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < content.size(); j++) {
            String blockPath = path + "[" + j + "]";
            JsonNode block = Trees.requiredObject(content.get(j), blockPath);
            String type = Trees.requiredString(block.get("type"), blockPath + ".type");
            if (!"text".equals(type)) {
                throw new TranslationException(blockPath + ".type", blockPath + ".type: " + type
                        + " (expected: text)");
            }
            dropCacheControl(block, blockPath);
            String text = Trees.requiredString(block.get("text"), blockPath + ".text");
            if (!text.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append(separator);
                }
                sb.append(text);
            }
        }
        return sb.toString();
    }

    private void message(JsonNode m, String path) throws TranslationException {
        Trees.requiredObject(m, path);
        String role = Trees.requiredString(m.get("role"), path + ".role");
        JsonNode content = m.get("content");
        if (absent(content)) {
            throw new TranslationException(path + ".content", path + ".content: missing (expected: a string or "
                    + "content blocks)");
        }
        switch (role) {
            case "user":
                user(content, path);
                break;
            case "assistant":
                assistant(content, path);
                break;
            case "system":
                system(content, path + ".content");
                break;
            default:
                throw new TranslationException(path + ".role", path + ".role: " + role
                        + " (expected: user or assistant)");
        }
    }

    private void user(JsonNode content, String path) throws TranslationException {
        if (content.isTextual()) {
            out.addObject().put("role", "user").put("content", content.textValue());
            return;
        }
        Trees.requiredArray(content, path + ".content");
        ArrayNode parts = Trees.NODES.arrayNode();
        for (int j = 0; j < content.size(); j++) {
            String blockPath = path + ".content[" + j + "]";
            JsonNode block = Trees.requiredObject(content.get(j), blockPath);
            String type = Trees.requiredString(block.get("type"), blockPath + ".type");
            dropCacheControl(block, blockPath);
            if ("tool_result".equals(type)) {
                // Tool messages must directly follow the assistant's tool_calls, so they go before the user text.
                toolResult(block, blockPath);
            } else {
                ObjectNode part = AnthropicToOpenAiParts.userPart(block, type, blockPath);
                if (part == null) {
                    warnings.dropped(blockPath);
                } else {
                    parts.add(part);
                }
            }
        }
        if (!parts.isEmpty()) {
            ObjectNode m = out.addObject();
            m.put("role", "user");
            m.set("content", parts);
        }
    }

    private void toolResult(JsonNode block, String path) throws TranslationException {
        String id = Trees.requiredString(block.get("tool_use_id"), path + ".tool_use_id");
        JsonNode content = block.get("content");
        StringBuilder text = new StringBuilder();
        if (content != null && content.isTextual()) {
            text.append(content.textValue());
        } else if (!absent(content)) {
            Trees.requiredArray(content, path + ".content");
            for (int k = 0; k < content.size(); k++) {
                String partPath = path + ".content[" + k + "]";
                JsonNode part = Trees.requiredObject(content.get(k), partPath);
                String type = Trees.requiredString(part.get("type"), partPath + ".type");
                String value = "text".equals(type) ? Trees.requiredString(part.get("text"), partPath + ".text") : null;
                if (value == null) {
                    // A tool message carries text only: images and documents inside a result are lost.
                    warnings.dropped(partPath);
                } else if (!value.isEmpty()) {
                    if (text.length() > 0) {
                        text.append('\n');
                    }
                    text.append(value);
                }
            }
        }
        JsonNode isError = block.get("is_error");
        if (isError != null && isError.asBoolean(false)) {
            text.insert(0, ERROR_PREFIX);
        }
        ObjectNode m = out.addObject();
        m.put("role", "tool");
        m.put("tool_call_id", ToolIds.sanitize(id));
        m.put("content", text.toString());
    }

    private void assistant(JsonNode content, String path) throws TranslationException {
        if (content.isTextual()) {
            out.addObject().put("role", "assistant").put("content", content.textValue());
            return;
        }
        Trees.requiredArray(content, path + ".content");
        StringBuilder text = null;
        ArrayNode calls = null;
        for (int j = 0; j < content.size(); j++) {
            String blockPath = path + ".content[" + j + "]";
            JsonNode block = Trees.requiredObject(content.get(j), blockPath);
            String type = Trees.requiredString(block.get("type"), blockPath + ".type");
            dropCacheControl(block, blockPath);
            if ("text".equals(type)) {
                String value = Trees.requiredString(block.get("text"), blockPath + ".text");
                text = text == null ? new StringBuilder(value) : text.append(value);
            } else if ("tool_use".equals(type)) {
                if (calls == null) {
                    calls = Trees.NODES.arrayNode();
                }
                calls.add(AnthropicToOpenAiParts.toolCall(block, blockPath));
            } else {
                // thinking and redacted_thinking (P16), server tool blocks: OpenAI chat has no place for them.
                warnings.dropped(blockPath);
            }
        }
        if (text == null && calls == null) {
            warnings.dropped(path);
            return;
        }
        ObjectNode m = out.addObject();
        m.put("role", "assistant");
        if (text == null) {
            m.putNull("content");
        } else {
            m.put("content", text.toString());
        }
        if (calls != null) {
            m.set("tool_calls", calls);
        }
    }

    private void dropCacheControl(JsonNode block, String path) {
        if (!absent(block.get("cache_control"))) {
            warnings.dropped(path + ".cache_control");
        }
    }
}
