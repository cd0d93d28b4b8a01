package dev.sluice.codec;

/**
 * Why a model stopped generating, normalised across dialects: OpenAI {@code finish_reason}, Anthropic
 * {@code stop_reason} and the Responses API status. Thread-safe (immutable).
 */
public enum FinishReason {
    /** A natural end or a stop sequence ({@code stop}, {@code end_turn}, {@code stop_sequence}, {@code pause_turn}). */
    STOP,
    /** A token limit ({@code length}, {@code max_tokens}, {@code max_output_tokens}, context window exceeded). */
    LENGTH,
    /** The model called tools ({@code tool_calls}, {@code function_call}, {@code tool_use}). */
    TOOL_CALLS,
    /** Output was withheld ({@code content_filter}, {@code refusal}). */
    CONTENT_FILTER,
    /** Any other reported reason, or a failed or cancelled response. */
    OTHER,
    /** No reason was reported (yet). */
    NONE
}
