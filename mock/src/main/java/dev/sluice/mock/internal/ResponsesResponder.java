package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /v1/responses}: a {@code response} object with an {@code output} array holding one message item
 * (PROVIDERS.md 2.2), or the full event sequence of 2.3 with {@code sequence_number} from 0 and a terminal
 * {@code response.completed} ({@code response.incomplete} when {@code max_output_tokens} was reached).
 *
 * <p>Stateless, so thread-safe.
 */
public final class ResponsesResponder implements Responder {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    @Override
    public MockResponse respond(final MockRequest request) {
        if (request.json().get("input") == null) {
            throw new MockException(400, "input: missing (expected: a string or an array of items)",
                "missing_required_parameter");
        }
        final String model = request.model();
        final MockRequest.TokenPlan plan = request.plan("max_output_tokens");
        final Ctx c = new Ctx(request, model, plan);
        final String text = plan.text();
        final ObjectNode finalItem = c.item(plan.hitLimit() ? "incomplete" : "completed", part(text));
        final ArrayNode output = F.arrayNode().add(finalItem);
        final ObjectNode usage = usage(request, plan.count());
        final String terminalStatus = plan.hitLimit() ? "incomplete" : "completed";
        if (!request.stream()) {
            return MockResponse.json(Json.bytes(c.response(terminalStatus, output, usage)));
        }
        final ObjectNode empty = c.response("in_progress", F.arrayNode(), NullNode.getInstance());
        c.event("response.created").set("response", empty);
        c.event("response.in_progress").set("response", empty);
        c.event("response.output_item.added").put("output_index", 0)
            .set("item", c.item("in_progress", null));
        c.itemEvent("response.content_part.added").set("part", part(""));
        for (int i = 0; i < plan.count(); i++) {
            c.itemEvent("response.output_text.delta").put("delta", plan.token(i))
                .set("logprobs", F.arrayNode());
        }
        c.itemEvent("response.output_text.done").put("text", text).set("logprobs", F.arrayNode());
        c.itemEvent("response.content_part.done").set("part", part(text));
        c.event("response.output_item.done").put("output_index", 0).set("item", finalItem);
        c.event("response." + terminalStatus).set("response", c.response(terminalStatus, output, usage));
        final List<byte[]> frames = new ArrayList<>(c.events.size());
        for (final JsonNode e : c.events) {
            frames.add(Sse.event(e.get("type").asText(), Json.text(e)));
        }
        return MockResponse.stream(frames,
            Sse.event("response.output_text.delta", "{\"type\":\"response.output_text.delta\","));
    }

    private static ObjectNode part(final String text) {
        final ObjectNode p = F.objectNode().put("type", "output_text").put("text", text);
        p.set("annotations", F.arrayNode());
        p.set("logprobs", F.arrayNode());
        return p;
    }

    private static ObjectNode usage(final MockRequest request, final int outputTokens) {
        final int input = request.promptTokens();
        final ObjectNode u = F.objectNode().put("input_tokens", input);
        u.set("input_tokens_details", F.objectNode().put("cached_tokens", request.cachedTokens()));
        u.put("output_tokens", outputTokens);
        u.set("output_tokens_details", F.objectNode().put("reasoning_tokens", 0));
        u.put("total_tokens", input + outputTokens);
        return u;
    }

    /** The ids and counters of one answer. */
    private static final class Ctx {
        final MockRequest request;
        final String model;
        final MockRequest.TokenPlan plan;
        final String responseId = Ids.next("resp_");
        final String itemId = Ids.next("msg_");
        final long createdAt = MockTime.epochSeconds();
        final List<ObjectNode> events = new ArrayList<>();
        int sequence;

        Ctx(final MockRequest request, final String model, final MockRequest.TokenPlan plan) {
            this.request = request;
            this.model = model;
            this.plan = plan;
        }

        /** Starts the next event: {@code type}, {@code sequence_number}; kept in order in {@link #events}. */
        ObjectNode event(final String type) {
            final ObjectNode e = F.objectNode().put("type", type).put("sequence_number", sequence++);
            events.add(e);
            return e;
        }

        ObjectNode itemEvent(final String type) {
            return event(type).put("item_id", itemId).put("output_index", 0).put("content_index", 0);
        }

        ObjectNode item(final String status, final ObjectNode part) {
            final ObjectNode item = F.objectNode().put("id", itemId).put("type", "message").put("status", status)
                .put("role", "assistant");
            final ArrayNode content = F.arrayNode();
            if (part != null) {
                content.add(part);
            }
            item.set("content", content);
            return item;
        }

        ObjectNode response(final String status, final ArrayNode output, final JsonNode usage) {
            final JsonNode body = request.json();
            final ObjectNode r = F.objectNode().put("id", responseId).put("object", "response")
                .put("created_at", createdAt).put("status", status);
            r.putNull("error");
            if ("incomplete".equals(status)) {
                r.set("incomplete_details", F.objectNode().put("reason", "max_output_tokens"));
            } else {
                r.putNull("incomplete_details");
            }
            r.set("instructions", body.path("instructions").isTextual() ? body.get("instructions") : NullNode.getInstance());
            r.set("max_output_tokens", body.path("max_output_tokens").isNumber()
                ? body.get("max_output_tokens") : NullNode.getInstance());
            r.put("model", model);
            r.set("output", output);
            r.put("parallel_tool_calls", true);
            r.set("previous_response_id", body.path("previous_response_id").isTextual()
                ? body.get("previous_response_id") : NullNode.getInstance());
            r.set("reasoning", F.objectNode().putNull("effort").putNull("summary"));
            r.put("store", true);
            r.put("temperature", 1.0);
            r.set("text", F.objectNode().set("format", F.objectNode().put("type", "text")));
            r.put("tool_choice", "auto");
            r.set("tools", F.arrayNode());
            r.put("top_p", 1.0);
            r.put("truncation", "disabled");
            r.set("usage", usage);
            r.putNull("user");
            r.set("metadata", F.objectNode());
            return r;
        }
    }
}
