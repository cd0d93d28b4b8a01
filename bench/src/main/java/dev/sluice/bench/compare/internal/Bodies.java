package dev.sluice.bench.compare.internal;

import java.nio.charset.StandardCharsets;

/**
 * The request bodies of the comparison's scenarios: a short chat (system and user message, {@code max_tokens} 64)
 * naming a {@link BenchModel}, with or without {@code "stream":true}. Thread-safe (stateless).
 */
public final class Bodies {
    private Bodies() {
    }

    /** The body for {@code model}; {@code stream} adds {@code "stream": true}. */
    public static byte[] chat(BenchModel model, boolean stream) {
        String s = "{\"model\": \"" + model.id() + "\", \"messages\": [{\"role\": \"system\", \"content\": \"You are a "
                + "helpful assistant. Answer briefly and precisely.\"}, {\"role\": \"user\", \"content\": \"Summarise "
                + "the plot of a short story about a lighthouse keeper who befriends a seagull, in two sentences.\"}], "
                + "\"temperature\": 0.2, \"max_tokens\": 64, \"user\": \"bench-user-1\"" + (stream ? ", \"stream\": true"
                : "") + "}";
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
