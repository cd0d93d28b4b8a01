package dev.sluice.codec.internal;

import java.nio.charset.StandardCharsets;

/**
 * The fixed vocabulary the response scanners recognise: JSON keys, string values and SSE event names, each
 * mapped to a small int id so that matching allocates nothing. Id 0 means "not a known word".
 * Thread-safe (immutable after class initialisation).
 */
public final class Words {
    /** Longest word that can be recognised; longer strings always look up as 0. */
    public static final int MAX_LENGTH = 48;
    public static final int NONE = 0;

    private static final int TABLE_SIZE = 256;
    private static final int[] TABLE = new int[TABLE_SIZE];
    private static final byte[][] BYTES = new byte[128][];
    private static final int[] HASHES = new int[128];
    private static int count;

    // Keys.
    public static final int USAGE = id("usage");
    public static final int PROMPT_TOKENS = id("prompt_tokens");
    public static final int COMPLETION_TOKENS = id("completion_tokens");
    public static final int INPUT_TOKENS = id("input_tokens");
    public static final int OUTPUT_TOKENS = id("output_tokens");
    public static final int CACHED_TOKENS = id("cached_tokens");
    public static final int CACHE_WRITE_TOKENS = id("cache_write_tokens");
    public static final int CACHE_READ_INPUT_TOKENS = id("cache_read_input_tokens");
    public static final int CACHE_CREATION_INPUT_TOKENS = id("cache_creation_input_tokens");
    public static final int PROMPT_TOKENS_DETAILS = id("prompt_tokens_details");
    public static final int INPUT_TOKENS_DETAILS = id("input_tokens_details");
    public static final int FINISH_REASON = id("finish_reason");
    public static final int STOP_REASON = id("stop_reason");
    public static final int CHOICES = id("choices");
    public static final int DELTA = id("delta");
    public static final int CONTENT = id("content");
    public static final int REFUSAL = id("refusal");
    public static final int ARGUMENTS = id("arguments");
    public static final int FUNCTION = id("function");
    public static final int FUNCTION_CALL = id("function_call");
    public static final int TEXT = id("text");
    public static final int ERROR = id("error");
    public static final int TYPE = id("type");
    public static final int STATUS = id("status");
    public static final int RESPONSE = id("response");
    public static final int INCOMPLETE_DETAILS = id("incomplete_details");
    public static final int REASON = id("reason");
    public static final int OUTPUT = id("output");
    public static final int ITEM = id("item");

    // Finish and stop reasons, response statuses.
    public static final int STOP = id("stop");
    public static final int LENGTH = id("length");
    public static final int TOOL_CALLS = id("tool_calls");
    public static final int CONTENT_FILTER = id("content_filter");
    public static final int END_TURN = id("end_turn");
    public static final int STOP_SEQUENCE = id("stop_sequence");
    public static final int PAUSE_TURN = id("pause_turn");
    public static final int MAX_TOKENS = id("max_tokens");
    public static final int MODEL_CONTEXT_WINDOW_EXCEEDED = id("model_context_window_exceeded");
    public static final int TOOL_USE = id("tool_use");
    public static final int MAX_OUTPUT_TOKENS = id("max_output_tokens");
    public static final int COMPLETED = id("completed");
    public static final int INCOMPLETE = id("incomplete");
    public static final int FAILED = id("failed");
    public static final int CANCELLED = id("cancelled");

    // Event types (the SSE event name or the data's top-level "type").
    public static final int MESSAGE_START = id("message_start");
    public static final int MESSAGE_DELTA = id("message_delta");
    public static final int MESSAGE_STOP = id("message_stop");
    public static final int CONTENT_BLOCK_START = id("content_block_start");
    public static final int CONTENT_BLOCK_DELTA = id("content_block_delta");
    public static final int CONTENT_BLOCK_STOP = id("content_block_stop");
    public static final int PING = id("ping");
    public static final int RESPONSE_CREATED = id("response.created");
    public static final int RESPONSE_IN_PROGRESS = id("response.in_progress");
    public static final int RESPONSE_COMPLETED = id("response.completed");
    public static final int RESPONSE_INCOMPLETE = id("response.incomplete");
    public static final int RESPONSE_FAILED = id("response.failed");
    public static final int RESPONSE_OUTPUT_TEXT_DELTA = id("response.output_text.delta");
    public static final int RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA = id("response.function_call_arguments.delta");
    public static final int RESPONSE_REFUSAL_DELTA = id("response.refusal.delta");

    private Words() {
    }

    /** Incremental hash step; callers fold each byte of a candidate with it, starting from 0. */
    public static int hashStep(int hash, byte b) {
        return hash * 31 + (b & 0xff);
    }

    /**
     * Returns the id of the word held in {@code bytes[0..length)} whose {@link #hashStep} hash is {@code hash},
     * or {@link #NONE}. Allocates nothing.
     */
    public static int lookup(byte[] bytes, int length, int hash) {
        if (length <= 0 || length > MAX_LENGTH) {
            return NONE;
        }
        int slot = mix(hash) & (TABLE_SIZE - 1);
        for (int word; (word = TABLE[slot]) != NONE; slot = (slot + 1) & (TABLE_SIZE - 1)) {
            if (HASHES[word] == hash && equal(BYTES[word], bytes, length)) {
                return word;
            }
        }
        return NONE;
    }

    /** Returns the id of the word held in {@code bytes[offset, offset + length)}, or {@link #NONE}. Allocates nothing. */
    public static int lookupAt(byte[] bytes, int offset, int length) {
        if (length <= 0 || length > MAX_LENGTH) {
            return NONE;
        }
        int hash = 0;
        for (int i = 0; i < length; i++) {
            hash = hashStep(hash, bytes[offset + i]);
        }
        int slot = mix(hash) & (TABLE_SIZE - 1);
        for (int word; (word = TABLE[slot]) != NONE; slot = (slot + 1) & (TABLE_SIZE - 1)) {
            if (HASHES[word] == hash && equal(BYTES[word], bytes, offset, length)) {
                return word;
            }
        }
        return NONE;
    }

    /** The word's text, for diagnostics and tests. */
    public static String name(int word) {
        return word <= NONE || word > count ? "" : new String(BYTES[word], StandardCharsets.US_ASCII);
    }

    private static boolean equal(byte[] word, byte[] bytes, int length) {
        return equal(word, bytes, 0, length);
    }

    private static boolean equal(byte[] word, byte[] bytes, int offset, int length) {
        if (word.length != length) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (word[i] != bytes[offset + i]) {
                return false;
            }
        }
        return true;
    }

    private static int mix(int hash) {
        int h = hash * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    private static int id(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > MAX_LENGTH) {
            throw new IllegalStateException("word too long: " + text);
        }
        int hash = 0;
        for (byte b : bytes) {
            hash = hashStep(hash, b);
        }
        int word = ++count;
        BYTES[word] = bytes;
        HASHES[word] = hash;
        int slot = mix(hash) & (TABLE_SIZE - 1);
        while (TABLE[slot] != NONE) {
            slot = (slot + 1) & (TABLE_SIZE - 1);
        }
        TABLE[slot] = word;
        return word;
    }
}
