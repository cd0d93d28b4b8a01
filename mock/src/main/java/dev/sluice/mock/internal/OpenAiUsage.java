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
        return chat(promptTokens, completionTokens, cached, 0, UsageMode.NORMAL);
    }

    /**
     * Chat usage as {@code mode} reports it: {@code completionTokens} already includes {@code reasoning}, and
     * every computed count (prompt, completion, total, cached, reasoning) goes through {@link UsageMode#count}.
     */
    static String chat(final int promptTokens, final int completionTokens, final int cached, final int reasoning,
        final UsageMode mode) {
        return "{\"prompt_tokens\":" + mode.count(promptTokens) + ",\"completion_tokens\":"
            + mode.count(completionTokens) + ",\"total_tokens\":" + mode.count((long) promptTokens + completionTokens)
            + ",\"prompt_tokens_details\":{\"cached_tokens\":" + mode.count(cached) + ",\"audio_tokens\":0}"
            + ",\"completion_tokens_details\":{\"reasoning_tokens\":" + mode.count(reasoning) + ",\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}";
    }

    /** Legacy completions usage (PROVIDERS.md 3.3). */
    static String plain(final int promptTokens, final int completionTokens) {
        return "{\"prompt_tokens\":" + promptTokens + ",\"completion_tokens\":" + completionTokens
            + ",\"total_tokens\":" + (promptTokens + completionTokens) + '}';
    }
}
