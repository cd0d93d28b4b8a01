package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds the tool calls of a {@code tool_call=N} answer: N calls to the first tool of the request's
 * {@code tools} (OpenAI {@code {"type":"function","function":{"name","parameters"}}} or Anthropic
 * {@code {"name","input_schema"}}, either shape on either path), with arguments built from the schema's
 * properties in order: strings {@code "x"}, numbers and integers {@code 1}, booleans {@code true}, arrays
 * {@code []}, objects {@code {}}, anything else {@code "x"}. The arguments text is cut into fragments of
 * {@value #FRAGMENT_CHARS} characters for streaming.
 *
 * <p>Stateless, so thread-safe.
 */
final class ToolCalls {
    /** Characters per streamed argument fragment. */
    static final int FRAGMENT_CHARS = 8;

    private ToolCalls() {
    }

    /**
     * One call.
     *
     * @param id        the call id ({@code call_...} or {@code toolu_...})
     * @param name      the tool name
     * @param arguments the arguments as compact JSON text
     * @param fragments the arguments text cut for streaming; joined they are {@code arguments}
     */
    record Call(String id, String name, String arguments, List<String> fragments) {
    }

    /**
     * Returns {@code count} calls to the first tool of {@code body}, ids starting with {@code idPrefix}.
     *
     * @throws MockException 400 when the request has no usable tool
     */
    static List<Call> of(final JsonNode body, final int count, final String idPrefix) {
        final JsonNode tools = body.get("tools");
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            throw new MockException(400, "tool_call: the request has no tools (expected: a non-empty tools array)",
                "invalid_value");
        }
        final JsonNode tool = tools.get(0);
        final JsonNode function = tool.path("function");
        final JsonNode name = function.path("name").isTextual() ? function.get("name") : tool.path("name");
        if (!name.isTextual() || name.asText().isEmpty()) {
            throw new MockException(400, "tool_call: tools[0] has no name (expected: function.name or name)",
                "invalid_value");
        }
        final JsonNode schema = function.path("parameters").isObject() ? function.get("parameters")
            : tool.path("input_schema").isObject() ? tool.get("input_schema") : tool.path("parameters");
        final String arguments = Json.text(arguments(schema.path("properties")));
        final List<String> fragments = fragments(arguments);
        final List<Call> calls = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            calls.add(new Call(Ids.next(idPrefix), name.asText(), arguments, fragments));
        }
        return calls;
    }

    /** Returns the fragments streamed for all {@code calls}. */
    static int fragmentCount(final List<Call> calls) {
        int n = 0;
        for (final Call c : calls) {
            n += c.fragments().size();
        }
        return n;
    }

    private static ObjectNode arguments(final JsonNode properties) {
        final ObjectNode args = Json.object();
        for (final Map.Entry<String, JsonNode> p : properties.properties()) {
            switch (p.getValue().path("type").asText()) {
                case "number":
                case "integer":
                    args.put(p.getKey(), 1);
                    break;
                case "boolean":
                    args.put(p.getKey(), true);
                    break;
                case "array":
                    args.putArray(p.getKey());
                    break;
                case "object":
                    args.putObject(p.getKey());
                    break;
                default:
                    args.put(p.getKey(), "x");
                    break;
            }
        }
        return args;
    }

    private static List<String> fragments(final String text) {
        final List<String> out = new ArrayList<>();
        int from = 0;
        while (from < text.length()) {
            int to = Math.min(from + FRAGMENT_CHARS, text.length());
            if (to < text.length() && Character.isLowSurrogate(text.charAt(to))) {
                to--;
            }
            out.add(text.substring(from, to));
            from = to;
        }
        return out;
    }
}
