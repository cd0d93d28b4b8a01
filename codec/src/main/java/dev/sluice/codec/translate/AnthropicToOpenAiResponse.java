package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.Trees.absent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Usage;

/**
 * An Anthropic Messages response to an OpenAI {@code chat.completion} (PROVIDERS.md 6.3, 6.4): text blocks are
 * concatenated, {@code tool_use} blocks become tool calls, thinking blocks are dropped and recorded, and
 * {@code prompt_tokens} counts the cache reads and writes. Thread-safe (stateless).
 */
final class AnthropicToOpenAiResponse {
    private AnthropicToOpenAiResponse() {
    }

    static ObjectNode translate(JsonNode in, Usage usage, TranslationWarnings warnings, long createdSeconds)
            throws TranslationException {
        Trees.requiredObject(in, "body");
        String type = Trees.string(in.get("type"), "type");
        if (type != null && !"message".equals(type)) {
            throw new TranslationException("type", "type: " + type + " (expected: message)");
        }
        JsonNode content = Trees.requiredArray(in.get("content"), "content");
        StringBuilder text = null;
        ArrayNode calls = null;
        for (int j = 0; j < content.size(); j++) {
            String path = "content[" + j + "]";
            JsonNode block = Trees.requiredObject(content.get(j), path);
            String blockType = Trees.requiredString(block.get("type"), path + ".type");
            if ("text".equals(blockType)) {
                String value = Trees.requiredString(block.get("text"), path + ".text");
                text = text == null ? new StringBuilder(value) : text.append(value);
                if (!absent(block.get("citations"))) {
                    warnings.dropped(path + ".citations");
                }
            } else if ("tool_use".equals(blockType)) {
                if (calls == null) {
                    calls = Trees.NODES.arrayNode();
                }
                calls.add(AnthropicToOpenAiParts.toolCall(block, path));
            } else {
                // thinking / redacted_thinking (P16) and server tool blocks have no chat completions field.
                warnings.dropped(path);
            }
        }
        String stopReason = Trees.string(in.get("stop_reason"), "stop_reason");
        JsonNode u = in.get("usage");
        ResponseUsage.fromAnthropic(u, stopReason, usage);

        ObjectNode out = Trees.object();
        out.put("id", Trees.id("chatcmpl-"));
        out.put("object", "chat.completion");
        out.put("created", createdSeconds);
        out.put("model", Trees.string(in.get("model"), "model"));
        ObjectNode choice = out.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (text != null) {
            message.put("content", text.toString());
        } else if (calls != null) {
            message.putNull("content");
        } else {
            message.put("content", "");
        }
        message.putNull("refusal");
        message.putArray("annotations");
        if (calls != null) {
            message.set("tool_calls", calls);
        }
        choice.putNull("logprobs");
        String finish = StopReasons.toOpenAi(stopReason);
        choice.put("finish_reason", finish != null ? finish : "stop");
        if (u != null && u.isObject()) {
            out.set("usage", usage(u));
        }
        return out;
    }

    /** PROVIDERS.md 6.4: prompt_tokens = input + cache reads + cache writes; cached_tokens = cache reads. */
    private static ObjectNode usage(JsonNode u) {
        long input = Math.max(Trees.count(u.get("input_tokens")), 0);
        long cacheRead = Math.max(Trees.count(u.get("cache_read_input_tokens")), 0);
        long cacheWrite = Math.max(Trees.count(u.get("cache_creation_input_tokens")), 0);
        long output = Math.max(Trees.count(u.get("output_tokens")), 0);
        JsonNode outputDetails = u.get("output_tokens_details");
        long thinking = outputDetails == null ? 0 : Math.max(Trees.count(outputDetails.get("thinking_tokens")), 0);
        long prompt = input + cacheRead + cacheWrite;
        ObjectNode out = Trees.object();
        out.put("prompt_tokens", prompt);
        out.put("completion_tokens", output);
        out.put("total_tokens", prompt + output);
        ObjectNode promptDetails = out.putObject("prompt_tokens_details");
        promptDetails.put("cached_tokens", cacheRead);
        promptDetails.put("audio_tokens", 0);
        promptDetails.put("cache_write_tokens", cacheWrite);
        ObjectNode completionDetails = out.putObject("completion_tokens_details");
        completionDetails.put("reasoning_tokens", thinking);
        completionDetails.put("audio_tokens", 0);
        completionDetails.put("accepted_prediction_tokens", 0);
        completionDetails.put("rejected_prediction_tokens", 0);
        return out;
    }
}
