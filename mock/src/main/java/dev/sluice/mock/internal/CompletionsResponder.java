package dev.sluice.mock.internal;

import java.nio.charset.StandardCharsets;

/**
 * {@code POST /v1/completions} (legacy): a {@code text_completion} JSON answer, or a stream of
 * {@code text_completion} chunks ending with a finish chunk and {@code [DONE]} (PROVIDERS.md 3.3). The usage
 * chunk follows the chat rule: only with {@code stream_options.include_usage}, and then {@code "usage":null}
 * on every other chunk. {@code error_event_after} ends the stream with the chat error chunk.
 *
 * <p>Stateless, so thread-safe.
 */
public final class CompletionsResponder implements Responder {
    @Override
    public MockResponse respond(final MockRequest request) {
        if (request.json().get("prompt") == null) {
            throw new MockException(400, "prompt: missing (expected: a string or an array)",
                "missing_required_parameter");
        }
        final String model = request.model();
        final MockRequest.TokenPlan plan = request.plan("max_tokens");
        final String id = Ids.next("cmpl-");
        final long created = MockTime.epochSeconds();
        final String finish = plan.hitLimit() ? "length" : "stop";
        final String usage = OpenAiUsage.plain(request.promptTokens(), plan.count());
        final String head = "{\"id\":" + Json.quote(id) + ",\"object\":\"text_completion\",\"created\":" + created
            + ",\"model\":" + Json.quote(model) + ",\"system_fingerprint\":\"" + OpenAiChatResponder.SYSTEM_FINGERPRINT
            + "\",\"choices\":[";
        if (!request.stream()) {
            final String body = head + choice(plan.text(), '"' + finish + '"') + "],\"usage\":" + usage
                + '}';
            return MockResponse.json(body.getBytes(StandardCharsets.UTF_8));
        }
        final boolean includeUsage = request.includeUsage();
        final String tail = includeUsage ? "],\"usage\":null}" : "]}";
        final StreamScript events = new StreamScript().markContentStart();
        for (int i = 0; i < plan.count(); i++) {
            events.addContent(Sse.data(head + choice(plan.token(i), "null") + tail));
        }
        events.add(Sse.data(head + choice("", '"' + finish + '"') + tail));
        if (includeUsage) {
            events.add(Sse.data(head + "],\"usage\":" + usage + '}'));
        }
        events.add(Sse.data(Sse.DONE));
        return events.build(Sse.data(head + "{\"text\":"), OpenAiChatResponder.ERROR_EVENT);
    }

    private static String choice(final String text, final String finishReason) {
        return "{\"text\":" + Json.quote(text) + ",\"index\":0,\"logprobs\":null,\"finish_reason\":" + finishReason
            + '}';
    }
}
