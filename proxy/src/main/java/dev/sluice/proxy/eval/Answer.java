package dev.sluice.proxy.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * What a model answered, as graders see it: the text and the tool calls of the first choice of an OpenAI chat
 * completion.
 *
 * @param text      the message's content ("" when none)
 * @param toolCalls the tool calls, in order
 */
public record Answer(String text, List<ToolCall> toolCalls) {
    /** One tool call: the function's name and its arguments as the JSON text the model wrote. */
    public record ToolCall(String name, String arguments) {
    }

    public Answer {
        toolCalls = List.copyOf(toolCalls);
    }

    /** The answer of a chat completion body. */
    public static Answer of(JsonNode completion) {
        JsonNode message = completion.path("choices").path(0).path("message");
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode c : message.path("tool_calls")) {
            calls.add(new ToolCall(c.path("function").path("name").asText(),
                    c.path("function").path("arguments").asText("")));
        }
        JsonNode content = message.path("content");
        return new Answer(content.isTextual() ? content.asText() : "", calls);
    }
}
