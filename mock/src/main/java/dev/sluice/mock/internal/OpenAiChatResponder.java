package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: a {@code chat.completion} JSON answer, or a chunk stream laid out byte for
 * byte as PROVIDERS.md 1.4 shows it (role chunk, content chunks, finish chunk, usage chunk with
 * {@code "choices":[]} only when {@code stream_options.include_usage} is true, then {@code [DONE]}).
 *
 * <p>Stateless, so thread-safe.
 */
public final class OpenAiChatResponder implements Responder {
    static final String SYSTEM_FINGERPRINT = "fp_sluicemock";

    @Override
    public MockResponse respond(final MockRequest request) {
        final JsonNode n = request.json().get("n");
        if (n != null && !n.isNull() && n.asInt(1) != 1) {
            throw new MockException(400, "n: " + n + " (expected: 1; the mock provider generates one choice)",
                "invalid_value");
        }
        if (!request.json().path("messages").isArray()) {
            throw new MockException(400, "messages: missing (expected: an array of messages)",
                "missing_required_parameter");
        }
        final String model = request.model();
        final MockRequest.TokenPlan plan = request.plan("max_completion_tokens", "max_tokens");
        final String id = Ids.next("chatcmpl-");
        final long created = System.currentTimeMillis() / 1000;
        final String finish = plan.hitLimit() ? "length" : "stop";
        final String usage = OpenAiUsage.chat(request.promptTokens(), plan.count(), request.cachedTokens());
        if (!request.stream()) {
            final String body = "{\"id\":" + Json.quote(id) + ",\"object\":\"chat.completion\",\"created\":" + created
                + ",\"model\":" + Json.quote(model) + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":" + Json.quote(Words.text(plan.count())) + ",\"refusal\":null,\"annotations\":[]},"
                + "\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}],\"usage\":" + usage
                + ",\"service_tier\":\"default\",\"system_fingerprint\":\"" + SYSTEM_FINGERPRINT + "\"}";
            return MockResponse.json(body.getBytes(StandardCharsets.UTF_8));
        }
        final boolean includeUsage = request.includeUsage();
        final String head = "{\"id\":" + Json.quote(id) + ",\"object\":\"chat.completion.chunk\",\"created\":" + created
            + ",\"model\":" + Json.quote(model) + ",\"service_tier\":\"default\",\"system_fingerprint\":\""
            + SYSTEM_FINGERPRINT + "\",\"choices\":[";
        final String tail = includeUsage ? "],\"usage\":null}" : "]}";
        final List<byte[]> events = new ArrayList<>(plan.count() + 4);
        events.add(Sse.data(head + choice("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null") + tail));
        for (int i = 0; i < plan.count(); i++) {
            events.add(Sse.data(head + choice("{\"content\":" + Json.quote(Words.token(i)) + '}', "null") + tail));
        }
        events.add(Sse.data(head + choice("{}", '"' + finish + '"') + tail));
        if (includeUsage) {
            events.add(Sse.data(head + "],\"usage\":" + usage + '}'));
        }
        events.add(Sse.data(Sse.DONE));
        return MockResponse.stream(events, Sse.data(head + "{\"index\":0,\"delta\":{\"content\":"));
    }

    private static String choice(final String delta, final String finishReason) {
        return "{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason + '}';
    }
}
