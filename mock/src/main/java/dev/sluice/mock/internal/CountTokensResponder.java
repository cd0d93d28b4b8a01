package dev.sluice.mock.internal;

import java.nio.charset.StandardCharsets;

/**
 * {@code POST /v1/messages/count_tokens}: {@code {"input_tokens":N}} with the mock's prompt estimate
 * (PROVIDERS.md 5.8).
 *
 * <p>Stateless, so thread-safe.
 */
final class CountTokensResponder implements Responder {
    static final CountTokensResponder INSTANCE = new CountTokensResponder();

    @Override
    public MockResponse respond(final MockRequest request) {
        request.model();
        final int input = request.promptTokens() - request.cachedTokens();
        return MockResponse.json(("{\"input_tokens\":" + input + '}').getBytes(StandardCharsets.UTF_8));
    }
}
