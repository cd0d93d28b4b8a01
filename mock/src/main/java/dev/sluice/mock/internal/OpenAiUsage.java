package dev.sluice.mock.internal;

/**
 * The OpenAI chat and completions usage object in its wire field order (PROVIDERS.md 1.3).
 *
 * <p>Thread-safe (stateless).
 */
final class OpenAiUsage {
    private OpenAiUsage() {
    }

    /** Chat usage with prompt and completion details; {@code promptTokens} already includes {@code cached}. */
    static String chat(final int promptTokens, final int completionTokens, final int cached) {
        return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
            + ",\"total_tokens\":" + (promptTokens + completionTokens)
            + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cached + ",\"audio_tokens\":0}"
            + ",\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
    }

    /** Legacy completions usage (PROVIDERS.md 3.3). */
    static String plain(final int promptTokens, final int completionTokens) {
        return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
            + ",\"total_tokens\":" + (promptTokens + completionTokens) + '}';
    }
}
