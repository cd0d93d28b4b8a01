package dev.sluice.codec.translate;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

/**
 * Reads a whole response's usage object and finish reason into {@link Usage} with the same semantics as
 * {@code UsageScanner}: {@code inputTokens} counts all input including cache reads and writes; a count the
 * provider did not report stays -1. Thread-safe (stateless).
 */
final class ResponseUsage {
    private ResponseUsage() {
    }

    /** Fills {@code usage} from an Anthropic {@code usage} object and {@code stop_reason}. */
    static void fromAnthropic(JsonNode u, String stopReason, Usage usage) {
        usage.reset();
        if (u != null && u.isObject()) {
            long input = Trees.count(u.get("input_tokens"));
            long cacheRead = Trees.count(u.get("cache_read_input_tokens"));
            long cacheWrite = Trees.count(u.get("cache_creation_input_tokens"));
            if (input >= 0 || cacheRead >= 0 || cacheWrite >= 0) {
                usage.inputTokens = Math.max(input, 0) + Math.max(cacheRead, 0) + Math.max(cacheWrite, 0);
            }
            usage.cachedTokens = cacheRead;
            usage.cacheWriteTokens = cacheWrite;
            usage.outputTokens = Trees.count(u.get("output_tokens"));
        }
        usage.finishReason = finishReason(stopReason);
    }

    /** Fills {@code usage} from an OpenAI chat {@code usage} object and {@code finish_reason}. */
    static void fromOpenAi(JsonNode u, String finishReason, Usage usage) {
        usage.reset();
        if (u != null && u.isObject()) {
            usage.inputTokens = Trees.count(u.get("prompt_tokens"));
            usage.outputTokens = Trees.count(u.get("completion_tokens"));
            JsonNode details = u.get("prompt_tokens_details");
            if (details != null && details.isObject()) {
                usage.cachedTokens = Trees.count(details.get("cached_tokens"));
                usage.cacheWriteTokens = Trees.count(details.get("cache_write_tokens"));
            }
            if (usage.cacheWriteTokens < 0) {
                usage.cacheWriteTokens = Trees.count(u.get("cache_write_tokens"));
            }
        }
        usage.finishReason = finishReason(finishReason);
    }

    /** Normalises an OpenAI {@code finish_reason} or an Anthropic {@code stop_reason}. */
    static FinishReason finishReason(String reason) {
        if (reason == null) {
            return FinishReason.NONE;
        }
        switch (reason) {
            case "stop":
            case "end_turn":
            case "stop_sequence":
            case "pause_turn":
                return FinishReason.STOP;
            case "length":
            case "max_tokens":
            case "model_context_window_exceeded":
                return FinishReason.LENGTH;
            case "tool_calls":
            case "function_call":
            case "tool_use":
                return FinishReason.TOOL_CALLS;
            case "content_filter":
            case "refusal":
                return FinishReason.CONTENT_FILTER;
            default:
                return FinishReason.OTHER;
        }
    }
}
