package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code POST /v1/messages}: an Anthropic {@code message} JSON answer (PROVIDERS.md 5.3), or the named-event stream
 * of 5.4: {@code message_start}, {@code content_block_start}, one {@code ping}, {@code content_block_delta}...,
 * {@code content_block_stop}, {@code message_delta} with {@code usage.output_tokens}, {@code message_stop}.
 * {@code stop_reason} is {@code max_tokens} when the generated tokens reached {@code max_tokens}, else
 * {@code end_turn}. Reported {@code input_tokens} exclude the cached tokens, which go to
 * {@code cache_read_input_tokens}. With {@code thinking} a thinking block (thinking deltas, then one signature
 * delta) comes first; with {@code tool_call} the answer is {@code tool_use} blocks streamed as
 * {@code input_json_delta} fragments ({@code stop_reason} {@code tool_use}); with {@code stop} it ends on the
 * request's first stop sequence; {@code usage} changes the reported usage ({@link UsageMode}: {@code none}
 * omits the usage objects, {@code dup} sends {@code message_delta} twice); {@code error_event_after} ends the
 * stream with 5.5's {@code overloaded_error} event.
 *
 * <p>Stateless, so thread-safe.
 */
public final class AnthropicResponder implements Responder {
    /** The in-stream error event of PROVIDERS.md 5.5, byte for byte. */
    static final byte[] ERROR_EVENT = Sse.event("error",
        "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}");

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
        final Behaviour b = request.behaviour();
        final MockRequest.TokenPlan plan = request.plan("max_tokens");
        final List<ToolCalls.Call> calls = b.toolCalls() > 0 ? ToolCalls.of(json, b.toolCalls(), "toolu_") : List.of();
        final String stopSequence = !calls.isEmpty() || !b.stopSequence() ? null : firstStopSequence(json);
        final String id = Ids.next("msg_");
        final String stopReason = !calls.isEmpty() ? "tool_use" : stopSequence != null ? "stop_sequence"
            : plan.hitLimit() ? "max_tokens" : "end_turn";
        final UsageMode mode = b.usage();
        final int cached = request.cachedTokens();
        final long input = mode.count(request.promptTokens() - cached);
        final long cacheRead = mode.count(cached);
        final int thinkingTokens = Thinking.tokens(b.thinking());
        final long output = mode.count((long) thinkingTokens
            + (calls.isEmpty() ? plan.count() : ToolCalls.fragmentCount(calls)));
        final String stop = "\"stop_reason\":\"" + stopReason + "\",\"stop_sequence\":" + Json.quote(stopSequence);
        if (!request.stream()) {
            final String body = "{\"id\":" + Json.quote(id) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
                + Json.quote(model) + ",\"content\":" + content(plan, calls, b) + ',' + stop
                + (mode == UsageMode.NONE ? "" : ",\"usage\":{\"input_tokens\":" + input
                    + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":" + cacheRead
                    + ",\"cache_creation\":{\"ephemeral_5m_input_tokens\":0,\"ephemeral_1h_input_tokens\":0},"
                    + "\"output_tokens\":" + output + ",\"service_tier\":\"standard\"}") + '}';
            return MockResponse.json(body.getBytes(StandardCharsets.UTF_8));
        }
        final StreamScript s = new StreamScript();
        s.add(Sse.event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":" + Json.quote(id)
            + ",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":" + Json.quote(model)
            + ",\"stop_reason\":null,\"stop_sequence\":null"
            + (mode == UsageMode.NONE ? "" : ",\"usage\":{\"input_tokens\":" + input
                + ",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":" + cacheRead
                + ",\"output_tokens\":" + mode.count(1) + '}') + "}}"));
        int index = 0;
        if (b.thinking()) {
            blockStart(s, index, "{\"type\":\"thinking\",\"thinking\":\"\"}");
            for (final String t : Thinking.TOKENS) {
                s.addContent(delta(index, "{\"type\":\"thinking_delta\",\"thinking\":" + Json.quote(t) + '}'));
            }
            s.addContent(delta(index, "{\"type\":\"signature_delta\",\"signature\":" + Json.quote(Thinking.SIGNATURE)
                + '}'));
            blockStop(s, index++);
        }
        if (calls.isEmpty()) {
            blockStart(s, index, "{\"type\":\"text\",\"text\":\"\"}");
            for (int i = 0; i < plan.count(); i++) {
                s.addContent(delta(index, "{\"type\":\"text_delta\",\"text\":" + Json.quote(plan.token(i)) + '}'));
            }
            blockStop(s, index);
        }
        for (final ToolCalls.Call call : calls) {
            blockStart(s, index, "{\"type\":\"tool_use\",\"id\":" + Json.quote(call.id()) + ",\"name\":"
                + Json.quote(call.name()) + ",\"input\":{}}");
            s.addContent(delta(index, "{\"type\":\"input_json_delta\",\"partial_json\":\"\"}"));
            for (final String fragment : call.fragments()) {
                s.addContent(delta(index, "{\"type\":\"input_json_delta\",\"partial_json\":" + Json.quote(fragment)
                    + '}'));
            }
            blockStop(s, index++);
        }
        final byte[] messageDelta = Sse.event("message_delta", "{\"type\":\"message_delta\",\"delta\":{" + stop + '}'
            + (mode == UsageMode.NONE ? "" : ",\"usage\":{\"output_tokens\":" + output + '}') + '}');
        s.add(messageDelta);
        if (mode == UsageMode.DUP) {
            s.add(messageDelta);
        }
        s.add(Sse.event("message_stop", "{\"type\":\"message_stop\"}"));
        return s.build(Sse.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"),
            ERROR_EVENT);
    }

    private static String content(final MockRequest.TokenPlan plan, final List<ToolCalls.Call> calls,
        final Behaviour b) {
        final StringBuilder c = new StringBuilder("[");
        if (b.thinking()) {
            c.append("{\"type\":\"thinking\",\"thinking\":").append(Json.quote(Thinking.text()))
                .append(",\"signature\":").append(Json.quote(Thinking.SIGNATURE)).append("},");
        }
        if (calls.isEmpty()) {
            c.append("{\"type\":\"text\",\"text\":").append(Json.quote(plan.text())).append('}');
        }
        for (int i = 0; i < calls.size(); i++) {
            final ToolCalls.Call call = calls.get(i);
            c.append(i > 0 ? "," : "").append("{\"type\":\"tool_use\",\"id\":").append(Json.quote(call.id()))
                .append(",\"name\":").append(Json.quote(call.name())).append(",\"input\":").append(call.arguments())
                .append('}');
        }
        return c.append(']').toString();
    }

    /** The first stop sequence of the request ({@code stop_sequences}, else an OpenAI-style {@code stop}). */
    private static String firstStopSequence(final JsonNode json) {
        for (final String field : new String[] {"stop_sequences", "stop"}) {
            final JsonNode v = json.get(field);
            if (v != null && v.isTextual()) {
                return v.asText();
            }
            if (v != null && v.isArray() && !v.isEmpty() && v.get(0).isTextual()) {
                return v.get(0).asText();
            }
        }
        throw new MockException(400, "stop: the request has no stop sequence (expected: stop_sequences with at "
            + "least one string)", null);
    }

    /** Adds a block start; the first block start is followed by one {@code ping}, as the real API does. */
    private static void blockStart(final StreamScript s, final int index, final String block) {
        s.add(Sse.event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + index
            + ",\"content_block\":" + block + '}'));
        if (index == 0) {
            s.add(Sse.event("ping", "{\"type\": \"ping\"}"));
        }
    }

    private static void blockStop(final StreamScript s, final int index) {
        s.add(Sse.event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + index + '}'));
    }

    private static byte[] delta(final int index, final String delta) {
        return Sse.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + index
            + ",\"delta\":" + delta + '}');
    }
}
