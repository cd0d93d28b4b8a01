package dev.sluice.codec.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Single Anthropic content blocks to OpenAI content parts and tool calls (PROVIDERS.md 6.2): text, images (base64
 * source to a data URL, url source to the URL), base64 PDF and plain-text documents, and {@code tool_use} to a
 * function tool call whose arguments are the input as JSON text. Thread-safe (stateless).
 */
final class AnthropicToOpenAiParts {
    private AnthropicToOpenAiParts() {
    }

    /** A user block (not a tool result) as a content part, or {@code null} for empty text (dropped). */
    static ObjectNode userPart(JsonNode block, String type, String path) throws TranslationException {
        switch (type) {
            case "text": {
                String text = Trees.requiredString(block.get("text"), path + ".text");
                return text.isEmpty() ? null : textPart(text);
            }
            case "image":
                return image(Trees.requiredObject(block.get("source"), path + ".source"), path + ".source");
            case "document":
                return document(block, Trees.requiredObject(block.get("source"), path + ".source"), path);
            default:
                throw new TranslationException(path + ".type", path + ".type: " + type
                        + " (expected: text, image, document or tool_result; the provider takes no other input)");
        }
    }

    private static ObjectNode textPart(String text) {
        ObjectNode part = Trees.object();
        part.put("type", "text");
        part.put("text", text);
        return part;
    }

    private static ObjectNode image(JsonNode source, String path) throws TranslationException {
        String sourceType = Trees.requiredString(source.get("type"), path + ".type");
        String url;
        if ("base64".equals(sourceType)) {
            url = dataUrl(source, path);
        } else if ("url".equals(sourceType)) {
            url = Trees.requiredString(source.get("url"), path + ".url");
        } else {
            throw new TranslationException(path + ".type", path + ".type: " + sourceType
                    + " (expected: base64 or url; provider file ids do not carry over)");
        }
        ObjectNode part = Trees.object();
        part.put("type", "image_url");
        part.putObject("image_url").put("url", url);
        return part;
    }

    private static ObjectNode document(JsonNode block, JsonNode source, String path) throws TranslationException {
        String sourcePath = path + ".source";
        String sourceType = Trees.requiredString(source.get("type"), sourcePath + ".type");
        if ("text".equals(sourceType)) {
            return textPart(Trees.requiredString(source.get("data"), sourcePath + ".data"));
        }
        String mediaType = Trees.string(source.get("media_type"), sourcePath + ".media_type");
        if (!"base64".equals(sourceType) || !"application/pdf".equals(mediaType)) {
            throw new TranslationException(sourcePath + ".type", sourcePath + ".type: " + sourceType
                    + " (expected: a base64 PDF or text document)");
        }
        ObjectNode part = Trees.object();
        part.put("type", "file");
        ObjectNode file = part.putObject("file");
        String title = Trees.string(block.get("title"), path + ".title");
        // OpenAI wants a file name with inline file data.
        file.put("filename", title != null ? title : "document.pdf");
        file.put("file_data", dataUrl(source, sourcePath));
        return part;
    }

    private static String dataUrl(JsonNode source, String path) throws TranslationException {
        String mediaType = Trees.requiredString(source.get("media_type"), path + ".media_type");
        String data = Trees.requiredString(source.get("data"), path + ".data");
        return "data:" + mediaType + ";base64," + data;
    }

    /** A {@code tool_use} block as an OpenAI function tool call with its input as compact JSON text. */
    static ObjectNode toolCall(JsonNode block, String path) throws TranslationException {
        ObjectNode call = Trees.object();
        call.put("id", ToolIds.sanitize(Trees.requiredString(block.get("id"), path + ".id")));
        call.put("type", "function");
        ObjectNode function = call.putObject("function");
        function.put("name", Trees.requiredString(block.get("name"), path + ".name"));
        JsonNode input = block.get("input");
        function.put("arguments", Trees.absent(input) ? "{}" : Trees.text(input));
        return call;
    }
}
