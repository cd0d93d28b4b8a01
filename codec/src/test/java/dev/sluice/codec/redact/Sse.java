package dev.sluice.codec.redact;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;

/** SSE events of both dialects for tests, and reading the text back out of a redacted stream. */
final class Sse {
    static final ObjectMapper JSON = new ObjectMapper();

    private Sse() {
    }

    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String openAiContent(String text) {
        return "data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1717000000,"
            + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + quote(text)
            + "},\"finish_reason\":null}]}\n\n";
    }

    static String openAiArguments(String json) {
        return "data: {\"id\":\"chatcmpl-9x\",\"object\":\"chat.completion.chunk\",\"created\":1717000000,"
            + "\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
            + "\"function\":{\"arguments\":" + quote(json) + "}}]},\"finish_reason\":null}]}\n\n";
    }

    static String anthropicText(String text) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"text_delta\",\"text\":" + quote(text) + "}}\n\n";
    }

    static String anthropicPartialJson(String json) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
            + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + quote(json) + "}}\n\n";
    }

    static String anthropicThinking(String text) {
        return "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
            + "\"delta\":{\"type\":\"thinking_delta\",\"thinking\":" + quote(text) + "}}\n\n";
    }

    static String responsesDelta(String text) {
        return "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\","
            + "\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":" + quote(text) + "}\n\n";
    }

    static final String OPENAI_DONE = "data: [DONE]\n\n";
    static final String ANTHROPIC_START = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
        + "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-sonnet-4-5\","
        + "\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n";
    static final String ANTHROPIC_STOP = "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

    /** Every data line parsed; fails the test when one is not JSON. */
    static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data: ") && !line.equals("data: [DONE]")) {
                try {
                    out.add(JSON.readTree(line.substring(6)));
                } catch (JsonProcessingException e) {
                    throw new AssertionError("not JSON: " + line, e);
                }
            }
        }
        return out;
    }

    /** The text of all string values at {@code field} (any depth), joined in order. */
    static String joined(String sse, String field) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode n : events(sse)) {
            for (JsonNode v : n.findValues(field)) {
                if (v.isTextual()) {
                    sb.append(v.asText());
                }
            }
        }
        return sb.toString();
    }
}
