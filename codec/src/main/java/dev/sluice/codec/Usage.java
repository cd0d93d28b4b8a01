package dev.sluice.codec;

/**
 * Token usage of one request, normalised across dialects. {@code inputTokens} counts ALL input tokens
 * including cache reads and writes (OpenAI {@code prompt_tokens} and Responses {@code input_tokens} as sent;
 * Anthropic {@code input_tokens + cache_read_input_tokens + cache_creation_input_tokens});
 * {@code cachedTokens} are cache reads, {@code cacheWriteTokens} cache writes. Every count is -1 when unknown.
 * Filled by {@link SseScanner} and {@link UsageScanner}; reusable through {@link #reset()}.
 * Confined to one thread.
 */
public final class Usage {
    public long inputTokens;
    public long outputTokens;
    public long cachedTokens;
    public long cacheWriteTokens;
    public FinishReason finishReason;

    public Usage() {
        reset();
    }

    /** Marks every count unknown and the finish reason {@link FinishReason#NONE}. */
    public void reset() {
        inputTokens = -1;
        outputTokens = -1;
        cachedTokens = -1;
        cacheWriteTokens = -1;
        finishReason = FinishReason.NONE;
    }

    /** Whether any token count was reported. */
    public boolean known() {
        return inputTokens >= 0 || outputTokens >= 0 || cachedTokens >= 0 || cacheWriteTokens >= 0;
    }

    public long inputTokens() {
        return inputTokens;
    }

    public long outputTokens() {
        return outputTokens;
    }

    public long cachedTokens() {
        return cachedTokens;
    }

    public long cacheWriteTokens() {
        return cacheWriteTokens;
    }

    public FinishReason finishReason() {
        return finishReason;
    }

    /** Copies every field of {@code other} into this holder. */
    public void copyFrom(Usage other) {
        inputTokens = other.inputTokens;
        outputTokens = other.outputTokens;
        cachedTokens = other.cachedTokens;
        cacheWriteTokens = other.cacheWriteTokens;
        finishReason = other.finishReason;
    }

    @Override
    public String toString() {
        return "Usage{in=" + inputTokens + ", out=" + outputTokens + ", cached=" + cachedTokens
                + ", cacheWrite=" + cacheWriteTokens + ", finish=" + finishReason + '}';
    }
}
