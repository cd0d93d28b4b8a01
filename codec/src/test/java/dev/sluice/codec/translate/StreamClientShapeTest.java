package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.StreamFixtures.CREATED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Reads the translated streams the way the official SDKs do (PROVIDERS.md 7.3, openai 7.57 chat chunk
 * accumulation, @anthropic-ai/sdk 1.14 message accumulation) and checks every field they rely on.
 */
class StreamClientShapeTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();
    private static final Set<String> FINISH_REASONS = Set.of("stop", "length", "tool_calls", "content_filter");

    static Stream<StreamTranslatorsTest.Case> openAiClients() {
        return StreamTranslatorsTest.cases().stream().filter(c -> c.from == Dialect.ANTHROPIC);
    }

    static Stream<StreamTranslatorsTest.Case> anthropicClients() {
        return StreamTranslatorsTest.cases().stream().filter(c -> c.from == Dialect.OPENAI);
    }

    private static String translate(StreamTranslatorsTest.Case c) {
        StreamTranslator t = StreamTranslators.create(c.from, c.to(), c.model, c.includeUsage, 64 * 1024,
                new Usage(), new TranslationWarnings(), CREATED);
        StreamFixtures.Fed fed = StreamFixtures.feed(t, StreamFixtures.bytes(c.name + ".in.sse"), "seed5");
        assertThat(fed.result).isEqualTo(StreamTranslator.OK);
        return fed.output;
    }

    /** An accumulated OpenAI tool call. */
    private static final class Call {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("openAiClients")
    void shouldProduceChunksTheOpenAiSdkAccumulates(StreamTranslatorsTest.Case c) throws Exception {
        String out = translate(c);
        assertThat(out).endsWith("\n\n");
        String[] events = out.substring(0, out.length() - 2).split("\n\n", -1);

        String id = null;
        String role = null;
        StringBuilder content = new StringBuilder();
        Map<Integer, Call> calls = new LinkedHashMap<>();
        String finishReason = null;
        boolean usageSeen = false;
        boolean done = false;
        boolean error = false;
        for (String event : events) {
            assertThat(done).as("nothing after [DONE]").isFalse();
            assertThat(error).as("nothing after the error").isFalse();
            if (event.startsWith(":")) {
                assertThat(event).isEqualTo(": ping");
                continue;
            }
            assertThat(event).startsWith("data: ").doesNotContain("\n");
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode chunk = JACKSON.readTree(data);
            if (chunk.has("error")) {
                JsonNode e = chunk.get("error");
                assertThat(e.get("message").isTextual()).isTrue();
                assertThat(e.get("type").isTextual()).isTrue();
                assertThat(e.has("param") && e.has("code")).isTrue();
                error = true;
                continue;
            }
            assertThat(usageSeen).as("the usage chunk is the last one").isFalse();
            if (id == null) {
                id = chunk.get("id").textValue();
            }
            assertThat(chunk.get("id").textValue()).isEqualTo(id).startsWith("chatcmpl-");
            assertThat(chunk.get("object").textValue()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("created").isIntegralNumber()).isTrue();
            assertThat(chunk.get("created").longValue()).isEqualTo(CREATED);
            assertThat(chunk.get("model").textValue()).isEqualTo(c.model);
            assertThat(chunk.get("choices").isArray()).isTrue();
            // P12: a usage key only when include_usage was asked for.
            assertThat(chunk.has("usage")).isEqualTo(c.includeUsage);
            if (chunk.get("choices").size() == 0) {
                JsonNode usage = chunk.get("usage");
                assertThat(c.includeUsage).isTrue();
                assertThat(finishReason).as("usage comes after the finish chunk").isNotNull();
                long prompt = usage.get("prompt_tokens").longValue();
                long completion = usage.get("completion_tokens").longValue();
                assertThat(usage.get("total_tokens").longValue()).isEqualTo(prompt + completion);
                assertThat(prompt).isEqualTo(c.usage[0]);
                assertThat(completion).isEqualTo(c.usage[1]);
                assertThat(usage.get("prompt_tokens_details").get("cached_tokens").longValue()).isEqualTo(c.usage[2]);
                usageSeen = true;
                continue;
            }
            assertThat(chunk.get("usage") == null || chunk.get("usage").isNull()).isTrue();
            assertThat(chunk.get("choices").size()).isEqualTo(1);
            JsonNode choice = chunk.get("choices").get(0);
            assertThat(choice.get("index").intValue()).isZero();
            assertThat(choice.get("delta").isObject()).isTrue();
            assertThat(choice.has("finish_reason")).isTrue();
            assertThat(finishReason).as("no delta after the finish chunk").isNull();
            JsonNode delta = choice.get("delta");
            if (delta.has("role")) {
                assertThat(role).as("one role chunk, the first").isNull();
                assertThat(content).isEmpty();
                role = delta.get("role").textValue();
            } else {
                assertThat(role).as("the role chunk comes first").isEqualTo("assistant");
            }
            if (delta.has("content")) {
                content.append(delta.get("content").textValue());
            }
            if (delta.has("tool_calls")) {
                for (JsonNode tc : delta.get("tool_calls")) {
                    int index = tc.get("index").intValue();
                    Call call = calls.get(index);
                    if (call == null) {
                        // P5: a new call's index is the next ordinal among tool calls.
                        assertThat(index).isEqualTo(calls.size());
                        call = new Call();
                        call.id = tc.get("id").textValue();
                        assertThat(call.id).matches("^[a-zA-Z0-9_-]{1,64}$");
                        assertThat(tc.get("type").textValue()).isEqualTo("function");
                        call.name = tc.get("function").get("name").textValue();
                        calls.put(index, call);
                    }
                    call.arguments.append(tc.get("function").get("arguments").textValue());
                }
            }
            if (!choice.get("finish_reason").isNull()) {
                finishReason = choice.get("finish_reason").textValue();
                assertThat(delta.size()).isZero();
                assertThat(FINISH_REASONS).contains(finishReason);
            }
        }

        assertThat(role).isEqualTo("assistant");
        assertThat(done).isEqualTo(c.terminal && !c.upstreamError);
        assertThat(error).isEqualTo(c.upstreamError);
        assertThat(usageSeen).isEqualTo(c.includeUsage && done);
        for (Call call : calls.values()) {
            // P6: what the client accumulates parses as JSON.
            assertThat(JACKSON.readTree(call.arguments.toString()).isObject()).isTrue();
        }
        if (c.name.equals("a2o-tools")) {
            assertThat(content.toString()).isEqualTo("Checking both.");
            assertThat(calls).hasSize(2);
            assertThat(calls.get(0).name).isEqualTo("get_weather");
            assertThat(JACKSON.readTree(calls.get(0).arguments.toString()))
                    .isEqualTo(JACKSON.readTree("{\"city\":\"Paris\"}"));
            assertThat(calls.get(1).name).isEqualTo("get_time");
            assertThat(calls.get(1).id).isEqualTo("functions_get_time_1");
            assertThat(finishReason).isEqualTo("tool_calls");
        } else if (c.name.equals("a2o-text")) {
            assertThat(content.toString()).isEqualTo("Hello \"w\u00f6rld\"\n\u4e2d");
            assertThat(finishReason).isEqualTo("stop");
        } else if (c.name.equals("a2o-thinking")) {
            assertThat(content.toString()).isEqualTo("12231");
            assertThat(finishReason).isEqualTo("length");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("anthropicClients")
    void shouldProduceTheExactAnthropicEventSequence(StreamTranslatorsTest.Case c) throws Exception {
        String out = translate(c);
        // P3: every event, the last included, ends with its blank line.
        assertThat(out).endsWith("\n\n");
        String[] events = out.substring(0, out.length() - 2).split("\n\n", -1);

        List<String> sequence = new ArrayList<>();
        List<StringBuilder> blocks = new ArrayList<>();
        List<String> blockTypes = new ArrayList<>();
        int open = -1;
        JsonNode messageDelta = null;
        for (String event : events) {
            // P2: an event: line, then one data: line whose type repeats the event name.
            String[] lines = event.split("\n", -1);
            assertThat(lines).hasSize(2);
            assertThat(lines[0]).startsWith("event: ");
            assertThat(lines[1]).startsWith("data: ");
            String name = lines[0].substring("event: ".length());
            JsonNode data = JACKSON.readTree(lines[1].substring("data: ".length()));
            assertThat(data.get("type").textValue()).isEqualTo(name);
            if (!name.equals("ping")) {
                sequence.add(name);
            }
            switch (name) {
                case "message_start":
                    JsonNode message = data.get("message");
                    assertThat(message.get("id").textValue()).startsWith("msg_");
                    assertThat(message.get("type").textValue()).isEqualTo("message");
                    assertThat(message.get("role").textValue()).isEqualTo("assistant");
                    assertThat(message.get("content").isArray() && message.get("content").size() == 0).isTrue();
                    assertThat(message.get("model").textValue()).isEqualTo(c.model);
                    assertThat(message.get("stop_reason").isNull()).isTrue();
                    assertThat(message.get("usage").get("output_tokens").isIntegralNumber()).isTrue();
                    break;
                case "content_block_start":
                    assertThat(open).isEqualTo(-1);
                    assertThat(data.get("index").intValue()).isEqualTo(blocks.size());
                    open = blocks.size();
                    blocks.add(new StringBuilder());
                    JsonNode block = data.get("content_block");
                    blockTypes.add(block.get("type").textValue());
                    if (block.get("type").textValue().equals("tool_use")) {
                        assertThat(block.get("id").textValue()).matches("^[a-zA-Z0-9_-]{1,64}$");
                        assertThat(block.get("input").isObject()).isTrue();
                    }
                    break;
                case "content_block_delta":
                    assertThat(data.get("index").intValue()).isEqualTo(open);
                    JsonNode delta = data.get("delta");
                    String type = delta.get("type").textValue();
                    String expectedType = Map.of("text", "text_delta", "thinking", "thinking_delta", "tool_use",
                            "input_json_delta").get(blockTypes.get(open));
                    assertThat(type).isEqualTo(expectedType);
                    String field = Map.of("text_delta", "text", "thinking_delta", "thinking",
                            "input_json_delta", "partial_json").get(type);
                    blocks.get(open).append(delta.get(field).textValue());
                    break;
                case "content_block_stop":
                    assertThat(data.get("index").intValue()).isEqualTo(open);
                    if (blockTypes.get(open).equals("tool_use")) {
                        assertThat(JACKSON.readTree(blocks.get(open).toString()).isObject()).isTrue();
                    }
                    open = -1;
                    break;
                case "message_delta":
                    assertThat(open).isEqualTo(-1);
                    messageDelta = data;
                    break;
                case "error":
                    assertThat(data.get("error").get("type").textValue()).isNotEmpty();
                    assertThat(data.get("error").get("message").textValue()).isNotEmpty();
                    break;
                default:
                    break;
            }
        }

        String joined = String.join(",", sequence);
        String blocksPattern = "(,content_block_start(,content_block_delta)*,content_block_stop)*";
        if (c.upstreamError) {
            assertThat(joined).matches("message_start" + blocksPattern
                    + "(,content_block_start(,content_block_delta)*)?,error");
        } else if (c.terminal) {
            assertThat(joined).matches("message_start" + blocksPattern + ",message_delta,message_stop");
            // P4: message_delta always carries usage, with the counts from the usage chunk (6.4).
            JsonNode usage = messageDelta.get("usage");
            assertThat(usage.get("output_tokens").longValue()).isEqualTo(c.usage[1]);
            long cached = Math.max(c.usage[2], 0);
            long written = Math.max(c.usage[3], 0);
            assertThat(usage.get("cache_read_input_tokens").longValue()).isEqualTo(cached);
            assertThat(usage.get("cache_creation_input_tokens").longValue()).isEqualTo(written);
            assertThat(usage.get("input_tokens").longValue()).isEqualTo(c.usage[0] - cached - written);
            assertThat(messageDelta.get("delta").get("stop_reason").isTextual()).isTrue();
            assertThat(messageDelta.get("delta").get("stop_sequence").isNull()).isTrue();
        } else {
            assertThat(joined).matches("message_start" + blocksPattern
                    + "(,content_block_start(,content_block_delta)*)?");
        }
        if (c.name.equals("o2a-tools")) {
            assertThat(blockTypes).containsExactly("tool_use", "tool_use");
            assertThat(JACKSON.readTree(blocks.get(0).toString())).isEqualTo(JACKSON.readTree("{\"city\":\"Paris\"}"));
            assertThat(JACKSON.readTree(blocks.get(1).toString())).isEqualTo(JACKSON.readTree("{\"tz\":\"CET\"}"));
            assertThat(messageDelta.get("delta").get("stop_reason").textValue()).isEqualTo("tool_use");
        } else if (c.name.equals("o2a-reasoning")) {
            assertThat(blockTypes).containsExactly("thinking", "text");
            assertThat(blocks.get(0).toString()).isEqualTo("27 * 453 = 12231");
            assertThat(blocks.get(1).toString()).isEqualTo("12231");
        } else if (c.name.equals("o2a-text")) {
            assertThat(blockTypes).containsExactly("text");
            assertThat(blocks.get(0).toString()).isEqualTo("Hello \"w\u00f6rld\"\n");
        }
    }
}
