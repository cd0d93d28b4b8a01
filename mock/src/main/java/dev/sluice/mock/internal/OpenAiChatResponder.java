package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code POST /v1/chat/completions}: a {@code chat.completion} JSON answer, or a chunk stream laid out byte for
 * byte as PROVIDERS.md 1.4 shows it (role chunk, content chunks, finish chunk, usage chunk with
 * {@code "choices":[]} only when {@code stream_options.include_usage} is true, then {@code [DONE]}). With
 * {@code tool_call} the answer is tool calls (first fragment with id, type and name, then argument fragments;
 * {@code finish_reason} {@code tool_calls}); with {@code thinking} {@code reasoning_content} deltas (or field)
 * come first, as OpenAI-compatible servers send them; {@code usage} changes the reported usage
 * ({@link UsageMode}); {@code error_event_after} ends the stream with PROVIDERS.md 1.5's error chunk.
 *
 * <p>Stateless, so thread-safe.
 */
public final class OpenAiChatResponder implements Responder {
    static final String SYSTEM_FINGERPRINT = "fp_sluicemock";
    /** The in-stream error chunk of PROVIDERS.md 1.5. */
    static final byte[] ERROR_EVENT = Sse.data("{\"error\":{\"message\":\"The server had an error while processing "
        + "your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");

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
        final Behaviour b = request.behaviour();
        final String model = request.model();
        final MockRequest.TokenPlan plan = request.plan("max_completion_tokens", "max_tokens");
        final List<ToolCalls.Call> calls = b.toolCalls() > 0
            ? ToolCalls.of(request.json(), b.toolCalls(), "call_") : List.of();
        final String id = Ids.next("chatcmpl-");
        final long created = MockTime.epochSeconds();
        final String finish = !calls.isEmpty() ? "tool_calls" : b.stopSequence() || !plan.hitLimit() ? "stop"
            : "length";
        final int reasoning = Thinking.tokens(b.thinking());
        final int answerTokens = calls.isEmpty() ? plan.count() : ToolCalls.fragmentCount(calls);
        final UsageMode mode = b.usage();
        final String usage = OpenAiUsage.chat(request.promptTokens(), answerTokens + reasoning,
            request.cachedTokens(), reasoning, mode);
        if (!request.stream()) {
            final String body = "{\"id\":" + Json.quote(id) + ",\"object\":\"chat.completion\",\"created\":" + created
                + ",\"model\":" + Json.quote(model) + ",\"choices\":[{\"index\":0,\"message\":" + message(plan, calls, b)
                + ",\"logprobs\":null,\"finish_reason\":\"" + finish + "\"}]"
                + (mode == UsageMode.NONE ? "" : ",\"usage\":" + usage)
                + ",\"service_tier\":\"default\",\"system_fingerprint\":\"" + SYSTEM_FINGERPRINT + "\"}";
            return MockResponse.json(body.getBytes(StandardCharsets.UTF_8));
        }
        // A provider that reports no usage ignores include_usage altogether: no "usage" key on any chunk.
        final boolean usageKeys = request.includeUsage() && mode != UsageMode.NONE;
        final String head = "{\"id\":" + Json.quote(id) + ",\"object\":\"chat.completion.chunk\",\"created\":" + created
            + ",\"model\":" + Json.quote(model) + ",\"service_tier\":\"default\",\"system_fingerprint\":\""
            + SYSTEM_FINGERPRINT + "\",\"choices\":[";
        final String tail = usageKeys ? "],\"usage\":null}" : "]}";
        final StreamScript s = new StreamScript();
        final boolean toolsInRoleChunk = !calls.isEmpty() && !b.thinking();
        s.add(Sse.data(head + choice(toolsInRoleChunk
            ? "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + callHeader(0, calls.get(0))
                + "],\"refusal\":null}"
            : "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null") + tail));
        s.markContentStart();
        for (int i = 0; i < reasoning; i++) {
            s.addContent(Sse.data(head + choice("{\"reasoning_content\":" + Json.quote(Thinking.TOKENS[i]) + '}',
                "null") + tail));
        }
        for (int c = 0; c < calls.size(); c++) {
            if (c > 0 || !toolsInRoleChunk) {
                s.addContent(Sse.data(head + choice("{\"tool_calls\":[" + callHeader(c, calls.get(c)) + "]}", "null")
                    + tail));
            }
            for (final String fragment : calls.get(c).fragments()) {
                s.addContent(Sse.data(head + choice("{\"tool_calls\":[{\"index\":" + c + ",\"function\":{\"arguments\":"
                    + Json.quote(fragment) + "}}]}", "null") + tail));
            }
        }
        if (calls.isEmpty()) {
            for (int i = 0; i < plan.count(); i++) {
                s.addContent(Sse.data(head + choice("{\"content\":" + Json.quote(plan.token(i)) + '}', "null")
                    + tail));
            }
        }
        if (mode == UsageMode.IN_CHOICES) {
            s.add(Sse.data(head + choice("{}", '"' + finish + '"') + "],\"usage\":" + usage + '}'));
        } else {
            s.add(Sse.data(head + choice("{}", '"' + finish + '"') + tail));
            if (usageKeys) {
                s.add(Sse.data(head + "],\"usage\":" + usage + '}'));
                if (mode == UsageMode.DUP) {
                    s.add(Sse.data(head + "],\"usage\":" + usage + '}'));
                }
            }
        }
        s.add(Sse.data(Sse.DONE));
        return s.build(Sse.data(head + "{\"index\":0,\"delta\":{\"content\":"), ERROR_EVENT);
    }

    private static String message(final MockRequest.TokenPlan plan, final List<ToolCalls.Call> calls,
        final Behaviour b) {
        final StringBuilder m = new StringBuilder("{\"role\":\"assistant\",\"content\":")
            .append(calls.isEmpty() ? Json.quote(plan.text()) : "null");
        if (b.thinking()) {
            m.append(",\"reasoning_content\":").append(Json.quote(Thinking.text()));
        }
        m.append(",\"refusal\":null,\"annotations\":[]");
        if (!calls.isEmpty()) {
            m.append(",\"tool_calls\":[");
            for (int c = 0; c < calls.size(); c++) {
                final ToolCalls.Call call = calls.get(c);
                m.append(c > 0 ? "," : "").append("{\"id\":").append(Json.quote(call.id()))
                    .append(",\"type\":\"function\",\"function\":{\"name\":").append(Json.quote(call.name()))
                    .append(",\"arguments\":").append(Json.quote(call.arguments())).append("}}");
            }
            m.append(']');
        }
        return m.append('}').toString();
    }

    private static String callHeader(final int index, final ToolCalls.Call call) {
        return "{\"index\":" + index + ",\"id\":" + Json.quote(call.id()) + ",\"type\":\"function\",\"function\":"
            + "{\"name\":" + Json.quote(call.name()) + ",\"arguments\":\"\"}}";
    }

    private static String choice(final String delta, final String finishReason) {
        return "{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":" + finishReason + '}';
    }
}
