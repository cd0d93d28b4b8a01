package dev.sluice.bench.internal;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * Chat Completions request bodies of an exact size, shaped like PROVIDERS.md 1.2: a system message, alternating
 * user and assistant turns (with escapes, as real prompts have), the sampling fields, {@code stream:true}
 * without {@code stream_options} (so the gateway adds include_usage), {@code user} and {@code metadata}.
 * Thread-safe (stateless).
 */
public final class ChatBodies {
    private static final String FILLER = "Please summarise the incident report below and list the follow-up "
            + "actions with an owner for each. The deployment failed at 14:02 UTC after the config reload; "
            + "latency rose from 120 ms to 2.4 s and the error rate reached 7 percent before the rollback. ";
    private static final String ESCAPED = "Line one\\nLine two \\\"quoted\\\" caf\\u00e9 \\t tab. ";

    private ChatBodies() {
    }

    /**
     * A body of exactly {@code targetBytes} UTF-8 bytes naming {@code model}, with {@code turns} earlier
     * user/assistant messages before the final user message.
     *
     * @throws IllegalArgumentException when the fixed parts alone exceed {@code targetBytes}
     */
    public static byte[] chat(String model, int targetBytes, int turns) {
        requireNonNull(model, "model");
        StringBuilder head = new StringBuilder(targetBytes);
        head.append("{\"model\":\"").append(model).append("\",\"messages\":[")
                .append("{\"role\":\"system\",\"content\":\"You are a concise assistant for the operations team.\"},");
        for (int t = 0; t < turns; t++) {
            head.append("{\"role\":\"").append(t % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"")
                    .append(ESCAPED).append(FILLER).append(FILLER).append("\"},");
        }
        head.append("{\"role\":\"user\",\"content\":\"");
        String tail = "\"}],\"temperature\":0.7,\"top_p\":1,\"max_completion_tokens\":512,\"stream\":true,"
                + "\"user\":\"user-1234\",\"metadata\":{\"project\":\"support\",\"use_case\":\"triage\"}}";
        int room = targetBytes - head.length() - tail.length();
        if (room < 0) {
            throw new IllegalArgumentException("targetBytes: " + targetBytes + " (expected: >= "
                    + (head.length() + tail.length()) + " for " + turns + " turns)");
        }
        StringBuilder pad = new StringBuilder(room + FILLER.length());
        while (pad.length() < room) {
            pad.append(FILLER);
        }
        pad.setLength(room);
        byte[] body = (head + pad.toString() + tail).getBytes(StandardCharsets.UTF_8);
        if (body.length != targetBytes) {
            throw new IllegalStateException("body: " + body.length + " bytes (expected: " + targetBytes + ")");
        }
        return body;
    }
}
