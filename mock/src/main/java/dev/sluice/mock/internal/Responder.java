package dev.sluice.mock.internal;

/**
 * Builds the answer of one endpoint.
 *
 * <p>Implementations are stateless and thread-safe.
 */
@FunctionalInterface
public interface Responder {
    /**
     * Returns the answer to {@code request}.
     *
     * @throws MockException when the request is refused (answered in the dialect's error format)
     */
    MockResponse respond(MockRequest request);
}
