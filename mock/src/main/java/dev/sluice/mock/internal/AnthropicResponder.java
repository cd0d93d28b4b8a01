package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/messages}: an Anthropic {@code message} JSON answer (PROVIDERS.md 5.3), or the named-event stream
 * of 5.4: {@code message_start}, {@code content_block_start}, one {@code ping}, {@code content_block_delta}...,
 * {@code content_block_stop}, {@code message_delta} with {@code usage.output_tokens}, {@code message_stop}.
 * {@code stop_reason} is {@code max_tokens} when the generated tokens reached {@code max_tokens}, else
 * {@code end_turn}. Reported {@code input_tokens} exclude the cached tokens, which go to
 * {@code cache_read_input_tokens}.
 *
 * <p>Stateless, so thread-safe.
 */
public final class AnthropicResponder implements Responder {
    @Override
    public MockResponse respond(final MockRequest request) {
        final JsonNode json = request.json();
        final String model = request.model();
        if (!json.path("messages").isArray()) {
            throw new MockException(400, "messages: Field required", null);
        }
        if (!json.path("max_tokens").isNumber()) {
            throw new MockException(400, "max_tokens: Field required", null);
        }
        final MockRequest.TokenPlan plan = request.plan("max_tokens");
        final String id = Ids.next("msg_");
        final String stopReason = plan.hitLimit() ? "max_tokens" : "end_turn";
        final int cached = request.cachedTokens();
        final int input = request.promptTokens() - cached;
        if (!request.stream()) {
            final String body = "{\"id\":" + Json.quote(id) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                + Json.quote(model) + ",\"content\":[{\"type\":\"text\",\"text\":" + Json.quote(Words.text(plan.count()))
                + "}],\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + input
                + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":" + cached
                + ",\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},"
                + "\"output_tokens\":" + plan.count() + ",\"service_tier\":\"standard\"}}";
            return MockResponse.json(body.getBytes(StandardCharsets.UTF_8));
        }
        final List<byte[]> events = new ArrayList<>(plan.count() + 6);
        events.add(Sse.event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":" + Json.quote(id)
            + ",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":" + Json.quote(model)
            + ",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":" + input
            + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":" + cached + ",\"output_tokens\":1}}}"));
        events.add(Sse.event("content_block_start",
            "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
        events.add(Sse.event("ping", "{\"type\": \"ping\"}"));
        for (int i = 0; i < plan.count(); i++) {
            events.add(Sse.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":" + Json.quote(Words.token(i)) + "}}"));
        }
        events.add(Sse.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
        events.add(Sse.event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"" + stopReason
            + "\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + plan.count() + "}}"));
        events.add(Sse.event("message_stop", "{\"type\":\"message_stop\"}"));
        return MockResponse.stream(events,
            Sse.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"));
    }
}
