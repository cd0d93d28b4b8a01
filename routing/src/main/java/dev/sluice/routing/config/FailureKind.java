package dev.sluice.routing.config;

/**
 * What went wrong with an upstream attempt, as far as the circuit of its deployment is concerned. Local-origin
 * failures are counted apart from the provider's own errors (Envoy outlier detection does the same), because a
 * refused connection says something different from a 503. Thread-safe (immutable).
 */
public enum FailureKind {
    /** Local origin: connection refused, connect timeout, TLS handshake failure, DNS failure. */
    CONNECT,
    /** The provider answered with an error that counts against it (5xx, 429 without a usable Retry-After). */
    UPSTREAM,
    /** The provider did not answer in time (first token or idle timeout). Counted with {@link #UPSTREAM}. */
    TIMEOUT
}
