package dev.sluice.mock.internal;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code GET /v1/models} and {@code GET /v1/models/{id}} over the mock's fixed model list. A request carrying
 * {@code anthropic-version} gets the Anthropic list shape (PROVIDERS.md 5.8), any other the OpenAI one (3.2).
 *
 * <p>Stateless, so thread-safe.
 */
public final class ModelsResponder implements Responder {
    /** The models the mock lists; any other name is still accepted by the generating endpoints. */
    public static final List<String> MODELS = List.of("mock-gpt", "mock-gpt-mini", "mock-embed", "mock-claude");

    private static final long CREATED = 1_767_225_600L;
    private static final String CREATED_AT = "2026-01-01T00:00:00Z";

    @Override
    public MockResponse respond(final MockRequest request) {
        final boolean anthropic = request.headers().contains("anthropic-version");
        final String path = request.path();
        if (path.equals("/v1/models") || path.equals("/v1/models/")) {
            final StringBuilder sb = new StringBuilder(anthropic ? "{\"data\":[" : "{\"object\":\"list\",\"data\":[");
            for (int i = 0; i < MODELS.size(); i++) {
                sb.append(i > 0 ? "," : "").append(model(MODELS.get(i), anthropic));
            }
            sb.append(']');
            if (anthropic) {
                sb.append(",\"has_more\":false,\"first_id\":").append(Json.quote(MODELS.get(0)))
                    .append(",\"last_id\":").append(Json.quote(MODELS.get(MODELS.size() - 1)));
            }
            return MockResponse.json(sb.append('}').toString().getBytes(StandardCharsets.UTF_8));
        }
        final String id = path.substring("/v1/models/".length());
        if (!MODELS.contains(id)) {
            throw new MockException(404, "The model `" + id + "` does not exist or you do not have access to it.",
                "model_not_found");
        }
        return MockResponse.json(model(id, anthropic).getBytes(StandardCharsets.UTF_8));
    }

    private static String model(final String id, final boolean anthropic) {
        return anthropic
            ? "{\"type\":\"model\",\"id\":" + Json.quote(id) + ",\"display_name\":" + Json.quote(id)
                + ",\"created_at\":\"" + CREATED_AT + "\"}"
            : "{\"id\":" + Json.quote(id) + ",\"object\":\"model\",\"created\":" + CREATED
                + ",\"owned_by\":\"sluice-mock\"}";
    }
}
