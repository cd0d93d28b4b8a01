package dev.sluice.codec.translate;

/**
 * Maps finish reasons between the dialects (PROVIDERS.md 6.3). A provider's native value is never passed through
 * unmapped: strict clients reject a value of the other dialect. Thread-safe (stateless).
 */
public final class StopReasons {
    private StopReasons() {
    }

    /** Anthropic {@code stop_reason} to OpenAI {@code finish_reason}; {@code null} stays {@code null}. */
    public static String toOpenAi(String anthropicStopReason) {
        if (anthropicStopReason == null) {
            return null;
        }
        switch (anthropicStopReason) {
            case "max_tokens":
            case "model_context_window_exceeded":
                return "length";
            case "tool_use":
                return "tool_calls";
            case "refusal":
                return "content_filter";
            default:
                // end_turn, stop_sequence, pause_turn and any future reason: a natural stop.
                return "stop";
        }
    }

    /** OpenAI {@code finish_reason} to Anthropic {@code stop_reason}; {@code null} stays {@code null}. */
    public static String toAnthropic(String openAiFinishReason) {
        if (openAiFinishReason == null) {
            return null;
        }
        switch (openAiFinishReason) {
            case "length":
                return "max_tokens";
            case "tool_calls":
            case "function_call":
                return "tool_use";
            case "content_filter":
                return "refusal";
            default:
                return "end_turn";
        }
    }
}
