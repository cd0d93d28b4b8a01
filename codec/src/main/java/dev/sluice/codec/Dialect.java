package dev.sluice.codec;

/**
 * The wire dialect a client or a provider speaks: its paths, body shapes, SSE events and error bodies.
 * Thread-safe (immutable).
 */
public enum Dialect {
    OPENAI,
    ANTHROPIC
}
