package dev.sluice.codec.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.Locale;

/**
 * Single OpenAI content parts and tool calls to Anthropic content blocks (PROVIDERS.md 6.1): text, images (data
 * URL to a base64 source, http(s) URL to a url source), PDF files, and tool calls to {@code tool_use} with parsed
 * arguments ({@code ""} is {@code {}}, P6). Thread-safe (stateless).
 */
final class OpenAiToAnthropicParts {
    private OpenAiToAnthropicParts() {
    }

    /** A user content part as a block, or {@code null} when it is empty text (to be dropped, P7). */
    static ObjectNode userPart(JsonNode part, String path, TranslationWarnings warnings) throws TranslationException {
        Trees.requiredObject(part, path);
        String type = Trees.requiredString(part.get("type"), path + ".type");
        switch (type) {
            case "text": {
                String text = Trees.requiredString(part.get("text"), path + ".text");
                return text.isBlank() ? null : OpenAiToAnthropicMessages.textBlock(text);
            }
            case "image_url":
                return image(part.get("image_url"), path + ".image_url", warnings);
            case "file":
                return file(part.get("file"), path + ".file");
            default:
                throw new TranslationException(path + ".type", path + ".type: " + type
                        + " (expected: text, image_url or a PDF file; the provider takes no other input)");
        }
    }

    private static ObjectNode image(JsonNode image, String path, TranslationWarnings warnings)
            throws TranslationException {
        String url;
        if (image != null && image.isTextual()) {
            url = image.textValue();
        } else {
            Trees.requiredObject(image, path);
            url = Trees.requiredString(image.get("url"), path + ".url");
            String detail = Trees.string(image.get("detail"), path + ".detail");
            if (detail != null && !"auto".equals(detail)) {
                warnings.dropped(path + ".detail");
            }
        }
        ObjectNode block = Trees.object();
        block.put("type", "image");
        ObjectNode source = block.putObject("source");
        String lower = url.length() > 8 ? url.substring(0, 8).toLowerCase(Locale.ROOT) : url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("data:")) {
            DataUrl data = DataUrl.parse(url, path + ".url");
            String mediaType = "image/jpg".equals(data.mediaType) ? "image/jpeg" : data.mediaType;
            switch (mediaType) {
                case "image/jpeg":
                case "image/png":
                case "image/gif":
                case "image/webp":
                    break;
                default:
                    throw new TranslationException(path + ".url", path + ".url: an image of type " + mediaType
                            + " (expected: image/jpeg, image/png, image/gif or image/webp)");
            }
            source.put("type", "base64");
            source.put("media_type", mediaType);
            source.put("data", data.data);
        } else if (lower.startsWith("https://") || lower.startsWith("http://")) {
            source.put("type", "url");
            source.put("url", url);
        } else {
            throw new TranslationException(path + ".url", path + ".url: neither a data: URL nor an http(s) URL");
        }
        return block;
    }

    private static ObjectNode file(JsonNode file, String path) throws TranslationException {
        Trees.requiredObject(file, path);
        String data = Trees.string(file.get("file_data"), path + ".file_data");
        if (data == null) {
            throw new TranslationException(path, path + ": a file_id (expected: file_data; provider file ids "
                    + "do not carry over)");
        }
        DataUrl url = DataUrl.parse(data, path + ".file_data");
        if (!"application/pdf".equals(url.mediaType)) {
            throw new TranslationException(path + ".file_data", path + ".file_data: a file of type "
                    + url.mediaType + " (expected: application/pdf)");
        }
        ObjectNode block = Trees.object();
        block.put("type", "document");
        ObjectNode source = block.putObject("source");
        source.put("type", "base64");
        source.put("media_type", url.mediaType);
        source.put("data", url.data);
        String name = Trees.string(file.get("filename"), path + ".filename");
        if (name != null) {
            block.put("title", name);
        }
        return block;
    }

    /** An assistant {@code tool_calls[k]} as a {@code tool_use} block. */
    static ObjectNode toolUse(JsonNode call, String path) throws TranslationException {
        Trees.requiredObject(call, path);
        String type = Trees.string(call.get("type"), path + ".type");
        if (type != null && !"function".equals(type)) {
            throw new TranslationException(path + ".type", path + ".type: " + type
                    + " (expected: function; the provider has no custom tools)");
        }
        JsonNode function = Trees.requiredObject(call.get("function"), path + ".function");
        ObjectNode block = Trees.object();
        block.put("type", "tool_use");
        block.put("id", ToolIds.sanitize(Trees.string(call.get("id"), path + ".id")));
        block.put("name", Trees.requiredString(function.get("name"), path + ".function.name"));
        block.set("input", arguments(Trees.string(function.get("arguments"), path + ".function.arguments"),
                path + ".function.arguments"));
        return block;
    }

    /** Tool call arguments (a JSON text) as the object Anthropic wants; empty means no arguments (P6). */
    static JsonNode arguments(String arguments, String path) throws TranslationException {
        if (arguments == null || arguments.isBlank()) {
            return Trees.object();
        }
        JsonNode input;
        try {
            input = Trees.parse(arguments);
        } catch (IOException e) {
            throw new TranslationException(path, path + ": not valid JSON (expected: a JSON object)");
        }
        if (input == null || !input.isObject()) {
            throw new TranslationException(path, path + ": " + Trees.kind(input) + " (expected: a JSON object)");
        }
        return input;
    }

    /** A {@code data:<media type>[;params];base64,<data>} URL. */
    private static final class DataUrl {
        final String mediaType;
        final String data;

        private DataUrl(String mediaType, String data) {
            this.mediaType = mediaType;
            this.data = data;
        }

        static DataUrl parse(String url, String path) throws TranslationException {
            int comma = url.indexOf(',');
            if (!url.regionMatches(true, 0, "data:", 0, 5) || comma < 0) {
                throw new TranslationException(path, path + ": not a data: URL");
            }
            String meta = url.substring(5, comma);
            if (!meta.toLowerCase(Locale.ROOT).endsWith(";base64")) {
                throw new TranslationException(path, path + ": a data: URL without ;base64 (expected: base64 data)");
            }
            int semi = meta.indexOf(';');
            String mediaType = meta.substring(0, semi).trim().toLowerCase(Locale.ROOT);
            return new DataUrl(mediaType, url.substring(comma + 1));
        }
    }
}
