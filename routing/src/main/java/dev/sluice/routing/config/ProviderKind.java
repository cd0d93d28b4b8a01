package dev.sluice.routing.config;

import java.util.Locale;

/**
 * The wire dialect a provider speaks. {@code openai} covers every OpenAI-compatible server (OpenAI, vLLM,
 * Ollama, LM Studio); {@code anthropic} is the Anthropic Messages API.
 * Thread-safe (immutable).
 */
public enum ProviderKind {
    OPENAI("openai"),
    ANTHROPIC("anthropic");

    private final String configName;

    ProviderKind(String configName) {
        this.configName = configName;
    }

    /** Returns the name used in {@code conf/sluice.yaml}. */
    public String configName() {
        return configName;
    }

    /** Parses a configuration value, or returns {@code null} when it names no kind. */
    public static ProviderKind parse(String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (ProviderKind k : values()) {
            if (k.configName.equals(v)) {
                return k;
            }
        }
        return null;
    }
}
