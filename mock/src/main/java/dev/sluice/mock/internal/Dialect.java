package dev.sluice.mock.internal;

/**
 * The wire dialect of an endpoint: which request-id header and which error body it uses.
 *
 * <p>Immutable, so thread-safe.
 */
public enum Dialect {
    /** OpenAI paths: {@code x-request-id}, {@code {"error":{...}}} bodies (PROVIDERS.md 4.1). */
    OPENAI("x-request-id"),
    /** Anthropic paths: {@code request-id}, {@code {"type":"error",...}} bodies (PROVIDERS.md 5.6). */
    ANTHROPIC("request-id");

    private final String requestIdHeader;

    Dialect(final String requestIdHeader) {
        this.requestIdHeader = requestIdHeader;
    }

    /** Returns the response header that carries the generated request id. */
    public String requestIdHeader() {
        return requestIdHeader;
    }
}
