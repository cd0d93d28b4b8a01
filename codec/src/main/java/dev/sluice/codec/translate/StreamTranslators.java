package dev.sluice.codec.translate;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;

/**
 * Creates the {@link StreamTranslator} for a provider's stream in one dialect and a client in the other
 * (PROVIDERS.md 6.5). Thread-safe (stateless); each translator it returns is confined to one thread.
 */
public final class StreamTranslators {
    private StreamTranslators() {
    }

    /**
     * A translator of a provider's SSE stream (dialect {@code from}) into the client's (dialect {@code to}).
     *
     * @param from          the provider's dialect: OpenAI chat completion chunks or Anthropic Messages events
     * @param to            the client's dialect, not {@code from}
     * @param model         the model name put in the client's events (the provider's model)
     * @param includeUsage  for an OpenAI client, whether it asked for {@code stream_options.include_usage}: then
     *                      a chunk with {@code choices:[]} and {@code usage} comes before {@code [DONE]} and every
     *                      other chunk has {@code "usage":null}; otherwise no usage is sent at all (P12). Ignored
     *                      for an Anthropic client, whose {@code message_delta} always carries usage (P4)
     * @param maxEventBytes the largest upstream event accepted, its lines and their terminators counted;
     *                      {@link StreamTranslator#TOO_LARGE} beyond
     * @param usage         receives the stream's usage as it is reported ({@link Usage} semantics:
     *                      {@code inputTokens} counts cache reads and writes too) and its finish reason; fields
     *                      are overwritten as reported, not reset here
     * @param warnings      receives, once per stream each, what the client's dialect has no place for
     *                      ({@code thinking} for an OpenAI client, among others)
     * @throws IllegalArgumentException when {@code from == to} or {@code maxEventBytes <= 0}
     */
    public static StreamTranslator create(Dialect from, Dialect to, String model, boolean includeUsage,
            int maxEventBytes, Usage usage, TranslationWarnings warnings) {
        return create(from, to, model, includeUsage, maxEventBytes, usage, warnings, Clock.SYSTEM);
    }

    /**
     * As above, reading the time from {@code clock}: the OpenAI {@code created} time and when the first content
     * event was translated ({@link StreamTranslator#firstContentNs()}).
     */
    public static StreamTranslator create(Dialect from, Dialect to, String model, boolean includeUsage,
            int maxEventBytes, Usage usage, TranslationWarnings warnings, Clock clock) {
        return create(from, to, model, includeUsage, maxEventBytes, usage, warnings, clock.wallMs() / 1000,
                clock);
    }

    /** As above, with the OpenAI {@code created} time given (epoch seconds), so tests get exact bytes. */
    static StreamTranslator create(Dialect from, Dialect to, String model, boolean includeUsage,
            int maxEventBytes, Usage usage, TranslationWarnings warnings, long createdSeconds) {
        return create(from, to, model, includeUsage, maxEventBytes, usage, warnings, createdSeconds, Clock.SYSTEM);
    }

    private static StreamTranslator create(Dialect from, Dialect to, String model, boolean includeUsage,
            int maxEventBytes, Usage usage, TranslationWarnings warnings, long createdSeconds, Clock clock) {
        requireNonNull(from, "from");
        requireNonNull(to, "to");
        if (from == to) {
            throw new IllegalArgumentException("to: " + to + " (expected: not the same as from)");
        }
        if (from == Dialect.ANTHROPIC) {
            return new AnthropicToOpenAiStreamTranslator(model, includeUsage, createdSeconds, maxEventBytes, usage,
                    warnings, clock);
        }
        return new OpenAiToAnthropicStreamTranslator(model, maxEventBytes, usage, warnings, clock);
    }
}
