package dev.sluice.bench.internal;

import java.nio.charset.StandardCharsets;

/**
 * Real upstream SSE streams, byte for byte in the layouts of PROVIDERS.md: an OpenAI chat stream with
 * {@code include_usage} (1.4: role chunk, {@link #CONTENT_CHUNKS} content chunks, finish chunk, usage chunk,
 * {@code [DONE]}) and an Anthropic Messages stream (5.4: message_start, content_block_start, ping,
 * {@link #CONTENT_CHUNKS} text deltas, content_block_stop, message_delta, message_stop).
 * Thread-safe (immutable; the arrays returned are copies).
 */
public final class SseStreams {
    /** Content chunks (tokens) in each stream. */
    public static final int CONTENT_CHUNKS = 20;
    /** Events in the OpenAI stream: role, content chunks, finish, usage, [DONE]. */
    public static final int OPENAI_EVENTS = 1 + CONTENT_CHUNKS + 1 + 1 + 1;
    /** Events in the Anthropic stream: start, block start, ping, deltas, block stop, message_delta, stop. */
    public static final int ANTHROPIC_EVENTS = 3 + CONTENT_CHUNKS + 3;

    private static final String[] TOKENS = {"The", " gateway", " streams", " each", " token", " to", " the",
        " client", " as", " soon", " as", " the", " provider", " sends", " it", ",", " without", " copying",
        " bytes", "."};

    private static final String OPENAI_HEAD = "data: {\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1741569952,\"model\":\"gpt-4o-2024-08-06\",\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_50cad350e4\",\"choices\":";
    private static final String OPENAI_USAGE = OPENAI_HEAD + "[],\"usage\":{\"prompt_tokens\":19,"
            + "\"completion_tokens\":22,\"total_tokens\":41,\"prompt_tokens_details\":{\"cached_tokens\":0,"
            + "\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
            + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n";

    private static final byte[] OPENAI = ascii(openAiText());
    private static final byte[] ANTHROPIC = ascii(anthropicText());
    private static final int OPENAI_USAGE_START = openAiText().indexOf(OPENAI_USAGE);

    private SseStreams() {
    }

    /** The OpenAI chat stream with include_usage. */
    public static byte[] openAi() {
        return OPENAI.clone();
    }

    /** The Anthropic Messages stream. */
    public static byte[] anthropic() {
        return ANTHROPIC.clone();
    }

    /** The OpenAI stream as a client that did not ask for usage sees it through the gateway: no usage chunk. */
    public static byte[] openAiWithoutUsage() {
        // What a client that did not ask for usage gets: no usage chunk, and no "usage":null in the others.
        String all = new String(OPENAI, StandardCharsets.UTF_8);
        String without = (all.substring(0, OPENAI_USAGE_START)
                + all.substring(OPENAI_USAGE_START + OPENAI_USAGE.length())).replace(",\"usage\":null}", "}");
        return without.getBytes(StandardCharsets.UTF_8);
    }

    /** Usage the OpenAI stream reports: prompt tokens. */
    public static long openAiInputTokens() {
        return 19;
    }

    /** Usage the OpenAI stream reports: completion tokens. */
    public static long openAiOutputTokens() {
        return 22;
    }

    /** Usage the Anthropic stream reports: input tokens. */
    public static long anthropicInputTokens() {
        return 25;
    }

    /** Usage the Anthropic stream reports: output tokens. */
    public static long anthropicOutputTokens() {
        return 21;
    }

    private static String openAiText() {
        StringBuilder b = new StringBuilder(8192);
        b.append(OPENAI_HEAD).append(choice("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null"));
        for (String t : TOKENS) {
            b.append(OPENAI_HEAD).append(choice("{\"content\":\"" + t + "\"}", "null"));
        }
        b.append(OPENAI_HEAD).append(choice("{}", "\"stop\""));
        b.append(OPENAI_USAGE);
        b.append("data: [DONE]\n\n");
        return b.toString();
    }

    private static String choice(String delta, String finishReason) {
        return "[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason
                + "}],\"usage\":null}\n\n";
    }

    private static String anthropicText() {
        StringBuilder b = new StringBuilder(8192);
        event(b, "message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-20250514\","
                + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":25,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}");
        event(b, "content_block_start",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}");
        event(b, "ping", "{\"type\": \"ping\"}");
        for (String t : TOKENS) {
            event(b, "content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + t + "\"}}");
        }
        event(b, "content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}");
        event(b, "message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":21}}");
        event(b, "message_stop", "{\"type\":\"message_stop\"}");
        return b.toString();
    }

    private static void event(StringBuilder b, String name, String json) {
        b.append("event: ").append(name).append("\ndata: ").append(json).append("\n\n");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
