package dev.sluice.journal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A captured answer joined back into what the client was given: the text, the tool calls with their arguments,
 * the thinking, the finish reason, and an error the provider or the gateway reported in-band. Reads the client's
 * own dialect: OpenAI chat completions, completions and responses, Anthropic messages; streamed (the SSE events as
 * relayed) or not (the JSON body).
 * <p>
 * Thread-safe (immutable).
 */
public final class CapturedAnswer {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String text;
    private final String thinking;
    private final List<ToolCall> toolCalls;
    private final String finishReason;
    private final String error;

    private CapturedAnswer(String text, String thinking, List<ToolCall> toolCalls, String finishReason, String error) {
        this.text = text;
        this.thinking = thinking;
        this.toolCalls = Collections.unmodifiableList(toolCalls);
        this.finishReason = finishReason;
        this.error = error;
    }

    /** The generated text, joined; empty when there was none. */
    public String text() {
        return text;
    }

    /** The model's thinking (Anthropic thinking blocks, OpenAI reasoning content), or null. */
    public String thinking() {
        return thinking;
    }

    public List<ToolCall> toolCalls() {
        return toolCalls;
    }

    /** The finish (stop) reason as the client received it, or null (a stream cut before its end). */
    public String finishReason() {
        return finishReason;
    }

    /** An error reported in the answer (an error body or an in-band error event), or null. */
    public String error() {
        return error;
    }

    /**
     * One tool call: its id, the function's name and its arguments (JSON text as the client received it).
     *
     * @param id the call's id, or null
     * @param name the function's name
     * @param arguments the arguments' JSON text
     */
    public record ToolCall(String id, String name, String arguments) {
    }

    /** Joins {@code bytes}, the answer to a request to {@code endpoint} ({@code stream}: SSE events as relayed). */
    public static CapturedAnswer assemble(byte[] bytes, String endpoint, boolean stream) {
        Builder b = new Builder();
        if (bytes == null || bytes.length == 0) {
            return b.build();
        }
        if (stream || looksLikeSse(bytes)) {
            for (String data : sseData(new String(bytes, StandardCharsets.UTF_8))) {
                JsonNode event = parse(data);
                if (event != null) {
                    b.event(event);
                }
            }
        } else {
            JsonNode body = parse(new String(bytes, StandardCharsets.UTF_8));
            if (body != null) {
                b.body(body);
            }
        }
        return b.build();
    }

    private static boolean looksLikeSse(byte[] bytes) {
        String start = new String(bytes, 0, Math.min(bytes.length, 16), StandardCharsets.UTF_8);
        return start.startsWith("data:") || start.startsWith("event:") || start.startsWith(":");
    }

    /** The data of each SSE event, its data lines joined with newlines (WHATWG event stream rules). */
    static List<String> sseData(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder data = null;
        int pos = 0;
        int n = text.length();
        while (pos <= n) {
            int eol = pos;
            while (eol < n && text.charAt(eol) != '\n' && text.charAt(eol) != '\r') {
                eol++;
            }
            String line = text.substring(pos, eol);
            if (line.isEmpty()) {
                if (data != null) {
                    out.add(data.toString());
                    data = null;
                }
            } else if (line.startsWith("data:")) {
                String value = line.substring(5);
                if (value.startsWith(" ")) {
                    value = value.substring(1);
                }
                data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
            }
            if (eol >= n) {
                break;
            }
            pos = eol + (text.charAt(eol) == '\r' && eol + 1 < n && text.charAt(eol + 1) == '\n' ? 2 : 1);
        }
        if (data != null) {
            out.add(data.toString());
        }
        return out;
    }

    private static JsonNode parse(String json) {
        if (json.isEmpty() || "[DONE]".equals(json)) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return null;
        }
    }

    /** Accumulates events or a body of any dialect. Confined to one thread. */
    private static final class Builder {
        final StringBuilder text = new StringBuilder();
        StringBuilder thinking;
        final Map<Integer, String[]> tools = new TreeMap<>();
        String finishReason;
        String error;

        void event(JsonNode e) {
            if (e.has("error")) {
                error = errorText(e.get("error"));
                return;
            }
            String type = e.path("type").asText("");
            if (e.has("choices")) {
                chatChunk(e.get("choices").path(0));
            } else if (type.startsWith("response.")) {
                responsesEvent(type, e);
            } else if (!type.isEmpty()) {
                anthropicEvent(type, e);
            }
        }

        void chatChunk(JsonNode choice) {
            JsonNode delta = choice.has("delta") ? choice.get("delta") : choice;
            appendText(delta.path("content"));
            appendText(choice.path("text"));
            appendThinking(delta.path("reasoning_content"));
            appendThinking(delta.path("reasoning"));
            for (JsonNode call : delta.path("tool_calls")) {
                int index = call.path("index").asInt(tools.size());
                String[] tool = tools.computeIfAbsent(index, i -> new String[] {null, "", ""});
                if (call.hasNonNull("id")) {
                    tool[0] = call.get("id").asText();
                }
                JsonNode fn = call.path("function");
                if (fn.hasNonNull("name")) {
                    tool[1] = tool[1] + fn.get("name").asText();
                }
                if (fn.hasNonNull("arguments")) {
                    tool[2] = tool[2] + fn.get("arguments").asText();
                }
            }
            if (choice.hasNonNull("finish_reason")) {
                finishReason = choice.get("finish_reason").asText();
            }
        }

        void anthropicEvent(String type, JsonNode e) {
            switch (type) {
                case "content_block_start": {
                    JsonNode block = e.path("content_block");
                    int index = e.path("index").asInt();
                    if ("tool_use".equals(block.path("type").asText())) {
                        tools.put(index, new String[] {block.path("id").asText(null), block.path("name").asText(""),
                            ""});
                    } else {
                        appendText(block.path("text"));
                        appendThinking(block.path("thinking"));
                    }
                    break;
                }
                case "content_block_delta": {
                    JsonNode delta = e.path("delta");
                    appendText(delta.path("text"));
                    appendThinking(delta.path("thinking"));
                    if (delta.has("partial_json")) {
                        String[] tool = tools.computeIfAbsent(e.path("index").asInt(), i -> new String[] {null, "", ""});
                        tool[2] = tool[2] + delta.get("partial_json").asText();
                    }
                    break;
                }
                case "message_delta":
                    if (e.path("delta").hasNonNull("stop_reason")) {
                        finishReason = e.path("delta").get("stop_reason").asText();
                    }
                    break;
                case "message":
                    body(e);
                    break;
                default:
                    break;
            }
        }

        void responsesEvent(String type, JsonNode e) {
            switch (type) {
                case "response.output_text.delta":
                    appendText(e.path("delta"));
                    break;
                case "response.reasoning_summary_text.delta":
                case "response.reasoning_text.delta":
                    appendThinking(e.path("delta"));
                    break;
                case "response.output_item.added": {
                    JsonNode item = e.path("item");
                    if ("function_call".equals(item.path("type").asText())) {
                        tools.put(e.path("output_index").asInt(), new String[] {item.path("call_id").asText(null),
                            item.path("name").asText(""), ""});
                    }
                    break;
                }
                case "response.function_call_arguments.delta": {
                    String[] tool = tools.computeIfAbsent(e.path("output_index").asInt(), i -> new String[] {null, "",
                        ""});
                    tool[2] = tool[2] + e.path("delta").asText("");
                    break;
                }
                case "response.completed":
                case "response.incomplete":
                case "response.failed":
                    finishReason = e.path("response").path("status").asText(null);
                    break;
                default:
                    break;
            }
        }

        /** A whole (non-streamed) body of any dialect. */
        void body(JsonNode body) {
            if (body.has("error")) {
                error = errorText(body.get("error"));
                return;
            }
            if (body.has("choices")) {
                JsonNode choice = body.get("choices").path(0);
                JsonNode message = choice.path("message");
                appendText(message.path("content"));
                appendText(choice.path("text"));
                appendThinking(message.path("reasoning_content"));
                int i = 0;
                for (JsonNode call : message.path("tool_calls")) {
                    tools.put(i++, new String[] {call.path("id").asText(null),
                        call.path("function").path("name").asText(""),
                        call.path("function").path("arguments").asText("")});
                }
                if (choice.hasNonNull("finish_reason")) {
                    finishReason = choice.get("finish_reason").asText();
                }
            } else if (body.has("content") && body.get("content").isArray()) {
                int i = 0;
                for (JsonNode block : body.get("content")) {
                    String type = block.path("type").asText();
                    if ("text".equals(type)) {
                        appendText(block.path("text"));
                    } else if ("thinking".equals(type)) {
                        appendThinking(block.path("thinking"));
                    } else if ("tool_use".equals(type)) {
                        tools.put(i, new String[] {block.path("id").asText(null), block.path("name").asText(""),
                            block.path("input").toString()});
                    }
                    i++;
                }
                if (body.hasNonNull("stop_reason")) {
                    finishReason = body.get("stop_reason").asText();
                }
            } else if (body.has("output") && body.get("output").isArray()) {
                int i = 0;
                for (JsonNode item : body.get("output")) {
                    String type = item.path("type").asText();
                    if ("message".equals(type)) {
                        for (JsonNode c : item.path("content")) {
                            appendText(c.path("text"));
                        }
                    } else if ("function_call".equals(type)) {
                        tools.put(i, new String[] {item.path("call_id").asText(null), item.path("name").asText(""),
                            item.path("arguments").asText("")});
                    }
                    i++;
                }
                finishReason = body.path("status").asText(null);
            }
        }

        private void appendText(JsonNode node) {
            if (node.isTextual()) {
                text.append(node.asText());
            }
        }

        private void appendThinking(JsonNode node) {
            if (node.isTextual()) {
                if (thinking == null) {
                    thinking = new StringBuilder();
                }
                thinking.append(node.asText());
            }
        }

        private static String errorText(JsonNode error) {
            if (error.isTextual()) {
                return error.asText();
            }
            String type = error.path("type").asText(error.path("code").asText(""));
            String message = error.path("message").asText("");
            return type.isEmpty() ? message : type + ": " + message;
        }

        CapturedAnswer build() {
            List<ToolCall> calls = new ArrayList<>();
            for (String[] t : tools.values()) {
                calls.add(new ToolCall(t[0], t[1], t[2]));
            }
            return new CapturedAnswer(text.toString(), thinking == null ? null : thinking.toString(), calls,
                finishReason, error);
        }
    }
}
