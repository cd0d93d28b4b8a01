package dev.sluice.routing.config;

import java.util.Locale;

import dev.sluice.codec.Dialect;

/**
 * The wire dialect a provider speaks. {@code openai} covers every OpenAI-compatible server (OpenAI, vLLM,
 * Ollama, LM Studio); {@code anthropic} is the Anthropic Messages API.
 * Thread-safe (immutable).
 */
public enum ProviderKind {
    OPENAI("openai", Dialect.OPENAI),
    ANTHROPIC("anthropic", Dialect.ANTHROPIC);

    private final String configName;
    private final Dialect dialect;

    ProviderKind(String configName, Dialect dialect) {
        this.configName = configName;
        this.dialect = dialect;
    }

    /** The wire format requests to this kind of provider are written in, and its answers read in. */
    public Dialect dialect() {
        return dialect;
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
