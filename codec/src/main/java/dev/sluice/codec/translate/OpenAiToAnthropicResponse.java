package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Usage;

/**
 * An OpenAI {@code chat.completion} to an Anthropic Messages response (PROVIDERS.md 6.3, 6.4): a thinking block
 * from {@code reasoning_content} (OpenAI-compatible providers; its signature is empty), a text block, then one
 * {@code tool_use} block per tool call; {@code input_tokens} excludes the cache reads and writes.
 * Thread-safe (stateless).
 */
final class OpenAiToAnthropicResponse {
    private OpenAiToAnthropicResponse() {
    }

    static ObjectNode translate(JsonNode in, Usage usage, TranslationWarnings warnings) throws TranslationException {
        Trees.requiredObject(in, "body");
        JsonNode choices = Trees.requiredArray(in.get("choices"), "choices");
        if (choices.isEmpty()) {
            throw new TranslationException("choices", "choices: empty (expected: one choice)");
        }
        for (int i = 1; i < choices.size(); i++) {
            warnings.dropped("choices[" + i + "]");
        }
        JsonNode choice = Trees.requiredObject(choices.get(0), "choices[0]");
        JsonNode message = Trees.requiredObject(choice.get("message"), "choices[0].message");
        String finishReason = Trees.string(choice.get("finish_reason"), "choices[0].finish_reason");
        JsonNode u = in.get("usage");
        ResponseUsage.fromOpenAi(u, finishReason, usage);

        ObjectNode out = Trees.object();
        out.put("id", Trees.id("msg_"));
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", Trees.string(in.get("model"), "model"));
        content(message, out.putArray("content"), warnings);
        String stopReason = StopReasons.toAnthropic(finishReason);
        out.put("stop_reason", stopReason != null ? stopReason : "end_turn");
        out.putNull("stop_sequence");
        out.set("usage", usage(u));
        return out;
    }

    private static void content(JsonNode message, ArrayNode content, TranslationWarnings warnings)
            throws TranslationException {
        String path = "choices[0].message";
        String reasoning = Trees.string(message.get("reasoning_content"), path + ".reasoning_content");
        if (reasoning != null && !reasoning.isEmpty()) {
            // No signature exists; the block cannot be sent back to Anthropic with thinking on (P16).
            ObjectNode thinking = content.addObject();
            thinking.put("type", "thinking");
            thinking.put("thinking", reasoning);
            thinking.put("signature", "");
        }
        JsonNode text = message.get("content");
        if (text != null && text.isTextual()) {
            addText(content, text.textValue());
        } else if (!absent(text)) {
            Trees.requiredArray(text, path + ".content");
            for (int j = 0; j < text.size(); j++) {
                String partPath = path + ".content[" + j + "]";
                JsonNode part = Trees.requiredObject(text.get(j), partPath);
                String type = Trees.requiredString(part.get("type"), partPath + ".type");
                String value = "text".equals(type) ? Trees.string(part.get("text"), partPath + ".text")
                        : "refusal".equals(type) ? Trees.string(part.get("refusal"), partPath + ".refusal") : null;
                if (value == null) {
                    warnings.dropped(partPath);
                } else {
                    addText(content, value);
                }
            }
        }
        String refusal = Trees.string(message.get("refusal"), path + ".refusal");
        if (refusal != null) {
            addText(content, refusal);
        }
        if (!absent(message.get("function_call"))) {
            warnings.dropped(path + ".function_call");
        }
        JsonNode calls = message.get("tool_calls");
        if (absent(calls)) {
            return;
        }
        Trees.requiredArray(calls, path + ".tool_calls");
        for (int k = 0; k < calls.size(); k++) {
            String callPath = path + ".tool_calls[" + k + "]";
            JsonNode call = Trees.requiredObject(calls.get(k), callPath);
            JsonNode function = Trees.requiredObject(call.get("function"), callPath + ".function");
            ObjectNode block = content.addObject();
            block.put("type", "tool_use");
            block.put("id", ToolIds.sanitize(Trees.string(call.get("id"), callPath + ".id")));
            block.put("name", Trees.requiredString(function.get("name"), callPath + ".function.name"));
            block.set("input", OpenAiToAnthropicParts.arguments(
                    Trees.string(function.get("arguments"), callPath + ".function.arguments"),
                    callPath + ".function.arguments"));
        }
    }

    private static void addText(ArrayNode content, String text) {
        // An empty text block is refused when the client sends the turn back (P7).
        if (!text.isEmpty()) {
            content.add(OpenAiToAnthropicMessages.textBlock(text));
        }
    }

    /** PROVIDERS.md 6.4: input_tokens = prompt_tokens - cached_tokens - cache_write_tokens. */
    private static ObjectNode usage(JsonNode u) {
        long prompt = 0;
        long cached = 0;
        long cacheWrite = 0;
        long completion = 0;
        if (u != null && u.isObject()) {
            prompt = Math.max(Trees.count(u.get("prompt_tokens")), 0);
            completion = Math.max(Trees.count(u.get("completion_tokens")), 0);
            JsonNode details = u.get("prompt_tokens_details");
            if (details != null && details.isObject()) {
                cached = Math.max(Trees.count(details.get("cached_tokens")), 0);
                cacheWrite = Math.max(Trees.count(details.get("cache_write_tokens")), 0);
            }
            if (cacheWrite == 0) {
                cacheWrite = Math.max(Trees.count(u.get("cache_write_tokens")), 0);
            }
        }
        ObjectNode out = Trees.object();
        out.put("input_tokens", Math.max(prompt - cached - cacheWrite, 0));
        out.put("cache_creation_input_tokens", cacheWrite);
        out.put("cache_read_input_tokens", cached);
        out.put("output_tokens", completion);
        return out;
    }
}
