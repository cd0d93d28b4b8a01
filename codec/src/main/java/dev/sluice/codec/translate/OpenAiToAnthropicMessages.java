package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI chat {@code messages} to Anthropic {@code system} and {@code messages} (PROVIDERS.md 6.1): system and
 * developer messages move to the top-level {@code system} in order; tool messages become {@code tool_result}
 * blocks in the user turn right after the assistant turn, ahead of other user content (P9); consecutive turns of
 * one role are merged; empty and whitespace-only text is dropped (P7). Confined to the calling thread.
 */
final class OpenAiToAnthropicMessages {
    private final TranslationWarnings warnings;
    private final List<ObjectNode> system = new ArrayList<>(2);
    private final List<Turn> turns = new ArrayList<>();

    private OpenAiToAnthropicMessages(TranslationWarnings warnings) {
        this.warnings = warnings;
    }

    /** Writes {@code system} (when there is any) and {@code messages} into {@code out}. */
    static void translate(JsonNode messages, ObjectNode out, TranslationWarnings warnings)
            throws TranslationException {
        OpenAiToAnthropicMessages t = new OpenAiToAnthropicMessages(warnings);
        Trees.requiredArray(messages, "messages");
        for (int i = 0; i < messages.size(); i++) {
            t.message(messages.get(i), "messages[" + i + "]");
        }
        t.write(out);
    }

    private void message(JsonNode m, String path) throws TranslationException {
        Trees.requiredObject(m, path);
        String role = Trees.requiredString(m.get("role"), path + ".role");
        switch (role) {
            case "system":
            case "developer":
                systemMessage(m, path);
                break;
            case "user":
                userMessage(m, path);
                break;
            case "assistant":
                assistantMessage(m, path);
                break;
            case "tool":
                toolMessage(m, path);
                break;
            case "function":
                throw new TranslationException(path + ".role", path + ".role: function (deprecated; expected: "
                        + "tool messages, which translate to tool_result blocks)");
            default:
                throw new TranslationException(path + ".role", path + ".role: " + role
                        + " (expected: system, developer, user, assistant or tool)");
        }
        dropIfPresent(m, "name", path);
    }

    private void systemMessage(JsonNode m, String path) throws TranslationException {
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            addSystem(content.textValue(), path + ".content");
            return;
        }
        Trees.requiredArray(content, path + ".content");
        for (int j = 0; j < content.size(); j++) {
            String partPath = path + ".content[" + j + "]";
            JsonNode part = Trees.requiredObject(content.get(j), partPath);
            String type = Trees.requiredString(part.get("type"), partPath + ".type");
            if (!"text".equals(type)) {
                throw new TranslationException(partPath + ".type", partPath + ".type: " + type
                        + " (expected: text in a system message)");
            }
            addSystem(Trees.requiredString(part.get("text"), partPath + ".text"), partPath);
        }
    }

    private void addSystem(String text, String path) {
        if (text.isBlank()) {
            warnings.dropped(path);
            return;
        }
        system.add(textBlock(text));
    }

    private void userMessage(JsonNode m, String path) throws TranslationException {
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            addText("user", content.textValue(), path + ".content");
            return;
        }
        Trees.requiredArray(content, path + ".content");
        List<ObjectNode> blocks = new ArrayList<>(content.size());
        for (int j = 0; j < content.size(); j++) {
            String partPath = path + ".content[" + j + "]";
            ObjectNode block = OpenAiToAnthropicParts.userPart(content.get(j), partPath, warnings);
            if (block == null) {
                warnings.dropped(partPath);
            } else {
                blocks.add(block);
            }
        }
        add("user", blocks, null, path);
    }

    private void assistantMessage(JsonNode m, String path) throws TranslationException {
        List<ObjectNode> blocks = new ArrayList<>(2);
        String plain = null;
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            if (content.textValue().isBlank()) {
                // "" next to tool calls is normal (hermes-agent #11929): never an empty text block.
                if (!content.textValue().isEmpty()) {
                    warnings.dropped(path + ".content");
                }
            } else {
                plain = content.textValue();
                blocks.add(textBlock(plain));
            }
        } else if (!absent(content)) {
            Trees.requiredArray(content, path + ".content");
            for (int j = 0; j < content.size(); j++) {
                String partPath = path + ".content[" + j + "]";
                JsonNode part = Trees.requiredObject(content.get(j), partPath);
                String type = Trees.requiredString(part.get("type"), partPath + ".type");
                String text = "text".equals(type) ? Trees.string(part.get("text"), partPath + ".text") : null;
                if (text == null || text.isBlank()) {
                    // Refusal parts and empty text have no place in an Anthropic assistant turn.
                    warnings.dropped(partPath);
                } else {
                    blocks.add(textBlock(text));
                }
            }
        }
        dropIfPresent(m, "refusal", path);
        dropIfPresent(m, "audio", path);
        if (!absent(m.get("function_call"))) {
            throw new TranslationException(path + ".function_call", path
                    + ".function_call: deprecated (expected: tool_calls)");
        }
        JsonNode calls = m.get("tool_calls");
        if (!absent(calls)) {
            Trees.requiredArray(calls, path + ".tool_calls");
            for (int k = 0; k < calls.size(); k++) {
                blocks.add(OpenAiToAnthropicParts.toolUse(calls.get(k), path + ".tool_calls[" + k + "]"));
            }
            plain = null;
        }
        add("assistant", blocks, blocks.size() == 1 ? plain : null, path);
    }

    private void toolMessage(JsonNode m, String path) throws TranslationException {
        String id = Trees.requiredString(m.get("tool_call_id"), path + ".tool_call_id");
        ObjectNode result = Trees.object();
        result.put("type", "tool_result");
        result.put("tool_use_id", ToolIds.sanitize(id));
        JsonNode content = m.get("content");
        if (content != null && content.isTextual()) {
            if (!content.textValue().isBlank()) {
                result.put("content", content.textValue());
            }
        } else if (!absent(content)) {
            Trees.requiredArray(content, path + ".content");
            ArrayNode blocks = result.putArray("content");
            for (int j = 0; j < content.size(); j++) {
                String partPath = path + ".content[" + j + "]";
                JsonNode part = Trees.requiredObject(content.get(j), partPath);
                String type = Trees.requiredString(part.get("type"), partPath + ".type");
                if (!"text".equals(type)) {
                    throw new TranslationException(partPath + ".type", partPath + ".type: " + type
                            + " (expected: text in a tool message)");
                }
                String text = Trees.requiredString(part.get("text"), partPath + ".text");
                if (text.isBlank()) {
                    warnings.dropped(partPath);
                } else {
                    blocks.add(textBlock(text));
                }
            }
            if (blocks.isEmpty()) {
                result.remove("content");
            }
        }
        List<ObjectNode> blocks = new ArrayList<>(1);
        blocks.add(result);
        add("user", blocks, null, path);
    }

    private void addText(String role, String text, String path) {
        if (text.isBlank()) {
            warnings.dropped(path);
            return;
        }
        List<ObjectNode> blocks = new ArrayList<>(1);
        blocks.add(textBlock(text));
        add(role, blocks, text, path);
    }

    private void add(String role, List<ObjectNode> blocks, String plain, String path) {
        if (blocks.isEmpty()) {
            warnings.dropped(path);
            return;
        }
        Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
        if (last != null && last.role.equals(role)) {
            last.blocks.addAll(blocks);
            last.plain = null;
        } else {
            turns.add(new Turn(role, blocks, plain));
        }
    }

    private void dropIfPresent(JsonNode m, String field, String path) {
        if (!absent(m.get(field))) {
            warnings.dropped(path + "." + field);
        }
    }

    private void write(ObjectNode out) {
        if (system.size() == 1) {
            out.put("system", system.get(0).get("text").textValue());
        } else if (!system.isEmpty()) {
            out.putArray("system").addAll(system);
        }
        ArrayNode messages = out.putArray("messages");
        for (Turn turn : turns) {
            ObjectNode m = messages.addObject();
            m.put("role", turn.role);
            if (turn.plain != null) {
                m.put("content", turn.plain);
                continue;
            }
            ArrayNode content = m.putArray("content");
            // tool_result blocks first: Anthropic wants them immediately after the tool_use turn (P9).
            for (ObjectNode block : turn.blocks) {
                if ("tool_result".equals(block.get("type").textValue())) {
                    content.add(block);
                }
            }
            for (ObjectNode block : turn.blocks) {
                if (!"tool_result".equals(block.get("type").textValue())) {
                    content.add(block);
                }
            }
        }
    }

    static ObjectNode textBlock(String text) {
        ObjectNode block = Trees.object();
        block.put("type", "text");
        block.put("text", text);
        return block;
    }

    /** One Anthropic turn; {@code plain} is the original string content while the turn holds just that text. */
    private static final class Turn {
        final String role;
        final List<ObjectNode> blocks;
        String plain;

        Turn(String role, List<ObjectNode> blocks, String plain) {
            this.role = role;
            this.blocks = new ArrayList<>(blocks);
            this.plain = plain;
        }
    }
}
