package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /mock/behaviours}: {@code POST} with {@code {"model":"...","directive":"status=503 times=5"}} programs a
 * model (answered with the programme), {@code DELETE} forgets every programme, {@code GET} lists them. Invalid
 * bodies or directives are answered 400 in the OpenAI error format, naming the problem.
 *
 * <p>Stateless, so thread-safe.
 */
final class BehavioursEndpoint {
    private BehavioursEndpoint() {
    }

    static void handle(final Exchange exchange, final HttpMethod method, final String path, final byte[] body,
        final ModelBehaviours behaviours) {
        if (method.equals(HttpMethod.GET)) {
            send(exchange, Map.of("behaviours", behaviours.snapshot()));
        } else if (method.equals(HttpMethod.DELETE)) {
            behaviours.clear();
            send(exchange, Map.of("cleared", true));
        } else if (method.equals(HttpMethod.POST)) {
            final JsonNode json;
            try {
                json = Json.MAPPER.readTree(body);
            } catch (final IOException e) {
                exchange.sendError(400, "We could not parse the JSON body of your request.", "invalid_json", -1);
                return;
            }
            final JsonNode model = json == null ? null : json.get("model");
            final JsonNode directive = json == null ? null : json.get("directive");
            if (model == null || !model.isTextual() || directive == null || !directive.isTextual()) {
                exchange.sendError(400, "body: expected {\"model\": \"...\", \"directive\": \"name=value ...\"}",
                    "invalid_value", -1);
                return;
            }
            try {
                behaviours.behave(model.asText(), directive.asText());
            } catch (final IllegalArgumentException e) {
                exchange.sendError(400, e.getMessage(), "invalid_value", -1);
                return;
            }
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.asText());
            out.put("directive", directive.asText());
            send(exchange, out);
        } else {
            exchange.sendError(405, "Method " + method + " is not allowed on " + path
                + " (expected: GET, POST or DELETE)", "method_not_allowed", -1);
        }
    }

    private static void send(final Exchange exchange, final Object value) {
        exchange.sendFull(200, exchange.headers(HttpHeaderValues.APPLICATION_JSON), Json.bytes(Json.MAPPER.valueToTree(
            value)));
    }
}
