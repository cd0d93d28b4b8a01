package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.StreamFixtures.CREATED;
import static dev.sluice.codec.translate.StreamTranslatorsTest.feed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** TOO_LARGE, MALFORMED, error mapping and the less common shapes providers send. */
class StreamTranslatorEdgeTest {
    private static final String TEXT_DELTA = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
            + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n";

    private static StreamTranslator anthropicUpstream(int maxEventBytes, Usage usage, TranslationWarnings w) {
        return StreamTranslators.create(Dialect.ANTHROPIC, Dialect.OPENAI, "claude", false, maxEventBytes, usage, w,
                CREATED);
    }

    private static StreamTranslator openAiUpstream(int maxEventBytes, Usage usage) {
        return StreamTranslators.create(Dialect.OPENAI, Dialect.ANTHROPIC, "gpt-4o", false, maxEventBytes, usage,
                new TranslationWarnings(), CREATED);
    }

    private static int onBytes(StreamTranslator t, String input, ByteBuf out) {
        ByteBuf in = Unpooled.copiedBuffer(input, StandardCharsets.UTF_8);
        try {
            int result = t.onBytes(in, out);
            assertThat(in.isReadable()).isFalse();
            return result;
        } finally {
            in.release();
        }
    }

    @Test
    void shouldAcceptAnEventOfExactlyTheMaximumAndRejectOneByteMore() {
        int size = TEXT_DELTA.length();
        ByteBuf out = Unpooled.buffer();
        try {
            assertThat(onBytes(anthropicUpstream(size, new Usage(), new TranslationWarnings()), TEXT_DELTA, out))
                    .isEqualTo(StreamTranslator.OK);
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("\"content\":\"Hi\"");
            out.clear();

            StreamTranslator t = anthropicUpstream(size - 1, new Usage(), new TranslationWarnings());
            assertThat(onBytes(t, TEXT_DELTA, out)).isEqualTo(StreamTranslator.TOO_LARGE);
            assertThat(out.isReadable()).isFalse();
            // Broken for good: later bytes are consumed and translate to nothing.
            assertThat(onBytes(t, TEXT_DELTA, out)).isEqualTo(StreamTranslator.TOO_LARGE);
            assertThat(out.isReadable()).isFalse();
            assertThat(t.terminal()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void shouldStopALineWithoutEndAtTheMaximumWhenFedByteByByte() {
        StreamTranslator t = openAiUpstream(100, new Usage());
        ByteBuf out = Unpooled.buffer();
        try {
            int result = StreamTranslator.OK;
            int fed = 0;
            while (result == StreamTranslator.OK && fed < 10_000) {
                result = onBytes(t, fed == 0 ? "d" : "a", out);
                fed++;
            }
            assertThat(result).isEqualTo(StreamTranslator.TOO_LARGE);
            assertThat(fed).isEqualTo(101);
            assertThat(out.isReadable()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void shouldCountEveryLineOfAnEventTowardsTheMaximum() {
        StreamTranslator t = openAiUpstream(64, new Usage());
        ByteBuf out = Unpooled.buffer();
        try {
            // Each line is small; together they pass 64 bytes before the blank line.
            String padding = ": padding padding padding\n";
            assertThat(onBytes(t, padding + padding + padding + "\n", out)).isEqualTo(StreamTranslator.TOO_LARGE);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "data: {\"type\":\"content_block_delta\"\n\n",
        "data: [1,2]\n\n",
        "data: \"message_stop\"\n\n",
        "data: {\"no_type\":true}\n\n",
        "data: {\"type\":\"message_stop\"} trailing\n\n",
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":\"msg_1\"}\n\n",
        "data: {\"type\":\"content_block_start\",\"index\":0}\n\n",
        "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{}}\n\n",
        "data: {\"type\":\"content_block_start\",\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\"}}"
            + "\n\n"})
    void shouldReportMalformedAnthropicEvents(String event) {
        StreamTranslator t = anthropicUpstream(4096, new Usage(), new TranslationWarnings());
        ByteBuf out = Unpooled.buffer();
        try {
            assertThat(onBytes(t, event, out)).isEqualTo(StreamTranslator.MALFORMED);
            int written = out.readableBytes();
            assertThat(onBytes(t, TEXT_DELTA, out)).isEqualTo(StreamTranslator.MALFORMED);
            assertThat(out.readableBytes()).isEqualTo(written);
            assertThat(t.terminal()).isFalse();
            assertThat(t.upstreamError()).isFalse();
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}\n\n",
        "data: DONE\n\n",
        "data: [DONE] \n\n",
        "data: 42\n\n",
        "data: {\"choices\":{\"index\":0}}\n\n",
        "data: {\"choices\":[\"x\"]}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[7]}}]}\n\n"})
    void shouldReportMalformedOpenAiChunks(String event) {
        StreamTranslator t = openAiUpstream(4096, new Usage());
        ByteBuf out = Unpooled.buffer();
        try {
            assertThat(onBytes(t, event, out)).isEqualTo(StreamTranslator.MALFORMED);
            assertThat(onBytes(t, "data: [DONE]\n\n", out)).isEqualTo(StreamTranslator.MALFORMED);
            assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("message_stop");
            assertThat(t.terminal()).isFalse();
        } finally {
            out.release();
        }
    }

    @Test
    void shouldTranslateEventsBeforeTheMalformedOneInTheSameBuffer() {
        StreamTranslator t = anthropicUpstream(4096, new Usage(), new TranslationWarnings());
        ByteBuf out = Unpooled.buffer();
        try {
            assertThat(onBytes(t, TEXT_DELTA + "data: {oops}\n\n" + TEXT_DELTA, out))
                    .isEqualTo(StreamTranslator.MALFORMED);
            String s = out.toString(StandardCharsets.UTF_8);
            assertThat(s.split("\"content\":\"Hi\"", -1)).hasSize(2);
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @CsvSource({
        "overloaded_error,server_error,overloaded_error",
        "api_error,server_error,api_error",
        "rate_limit_error,requests,rate_limit_exceeded",
        "authentication_error,invalid_request_error,invalid_api_key",
        "invalid_request_error,invalid_request_error,invalid_request_error",
        "timeout_error,server_error,timeout_error",
        "something_new,server_error,something_new"})
    void shouldMapAnthropicStreamErrorsToOpenAiErrorChunks(String anthropicType, String type, String code) {
        Usage usage = new Usage();
        StreamTranslator t = anthropicUpstream(4096, usage, new TranslationWarnings());
        String out = feed(t, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + anthropicType
                + "\",\"message\":\"Boom \\\"x\\\"\"}}\n\n");

        assertThat(out).isEqualTo("data: {\"error\":{\"message\":\"Boom \\\"x\\\"\",\"type\":\"" + type
                + "\",\"param\":null,\"code\":\"" + code + "\"}}\n\n");
        assertThat(t.terminal()).isTrue();
        assertThat(t.upstreamError()).isTrue();
        assertThat(usage.finishReason).isEqualTo(FinishReason.OTHER);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"
            + "|rate_limit_error|slow down",
        "{\"error\":{\"message\":\"m\",\"type\":\"server_error\",\"code\":null}}|api_error|m",
        "{\"error\":{\"message\":\"m\",\"code\":503}}|overloaded_error|m",
        "{\"error\":{\"message\":\"m\",\"code\":429}}|rate_limit_error|m",
        "{\"error\":{\"message\":\"m\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}"
            + "|invalid_request_error|m",
        "{\"error\":{\"message\":\"m\",\"code\":\"overloaded_error\"}}|overloaded_error|m",
        "{\"error\":\"plain words\"}|api_error|plain words",
        "{\"error\":{}}|api_error|" + StreamErrors.DEFAULT_MESSAGE})
    void shouldMapOpenAiStreamErrorsToAnthropicErrorEvents(String data, String type, String message) {
        StreamTranslator t = openAiUpstream(4096, new Usage());
        String out = feed(t, "data: " + data + "\n\ndata: [DONE]\n\n");

        assertThat(out).isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"" + type
                + "\",\"message\":\"" + message + "\"}}\n\n");
        assertThat(t.terminal()).isTrue();
        assertThat(t.upstreamError()).isTrue();
    }

    @Test
    void shouldTreatAnErrorNamedEventAsAnErrorAndAFalsyErrorFieldAsNone() {
        StreamTranslator named = openAiUpstream(4096, new Usage());
        assertThat(feed(named, "event: error\ndata: {\"message\":\"x\"}\n\n")).startsWith("event: error\n");
        assertThat(named.upstreamError()).isTrue();

        StreamTranslator falsy = openAiUpstream(4096, new Usage());
        String out = feed(falsy, "data: {\"id\":\"chatcmpl-1\",\"error\":null,\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"ok\"}}]}\n\n");
        assertThat(falsy.upstreamError()).isFalse();
        assertThat(out).contains("\"text\":\"ok\"");
    }

    @Test
    void shouldKeepCumulativeAnthropicUsageWithoutAddingOrErasing() {
        Usage usage = new Usage();
        StreamTranslator t = anthropicUpstream(4096, usage, new TranslationWarnings());
        feed(t, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_u\",\"usage\":"
                + "{\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},"
                + "\"usage\":{\"output_tokens\":7}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"refusal\"},"
                + "\"usage\":{\"input_tokens\":0,\"cache_read_input_tokens\":5,\"cache_creation_input_tokens\":3,"
                + "\"output_tokens\":20}}\n\n");

        assertThat(usage.inputTokens).isEqualTo(18);
        assertThat(usage.cachedTokens).isEqualTo(5);
        assertThat(usage.cacheWriteTokens).isEqualTo(3);
        assertThat(usage.outputTokens).isEqualTo(20);
        assertThat(usage.finishReason).isEqualTo(FinishReason.CONTENT_FILTER);
    }

    @Test
    void shouldDropServerToolBlocksAndCitationsOnceEach() {
        TranslationWarnings warnings = new TranslationWarnings();
        StreamTranslator t = anthropicUpstream(4096, new Usage(), warnings);
        String out = feed(t, "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\"}}\n\n"
                + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
                + "\"server_tool_use\",\"id\":\"srvtoolu_1\",\"name\":\"web_search\",\"input\":{}}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"input_json_delta\","
                + "\"partial_json\":\"{\\\"q\\\":1}\"}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"citations_delta\"}}\n\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"citations_delta\"}}\n\n"
                + "data: {\"type\":\"some_future_event\"}\n\n");

        assertThat(warnings.droppedFields()).containsExactly("content_block.server_tool_use", "citations");
        assertThat(out).doesNotContain("tool_calls").doesNotContain("web_search");
    }

    @Test
    void shouldCarryAToolInputGivenWholeAtTheStart() {
        StreamTranslator t = anthropicUpstream(4096, new Usage(), new TranslationWarnings());
        String out = feed(t, "data: {\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":"
                + "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{\"a\":1}}}\n\n");
        assertThat(out).contains("{\"tool_calls\":[{\"index\":0,\"id\":\"toolu_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]}");
    }

    @Test
    void shouldEndAnAnthropicStreamAtDoneEvenWithoutFinishReasonOrUsage() {
        Usage usage = new Usage();
        StreamTranslator t = openAiUpstream(4096, usage);
        String out = feed(t, "data: [DONE]\n\n");

        assertThat(out).isEqualTo("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\""
                + out.substring(out.indexOf("msg_"), out.indexOf("msg_") + 28) + "\",\"type\":\"message\",\"role\":"
                + "\"assistant\",\"content\":[],\"model\":\"gpt-4o\",\"stop_reason\":null,\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":0}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":0}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        assertThat(out.substring(out.indexOf("msg_"), out.indexOf("msg_") + 28)).matches("msg_[0-9A-Za-z]{24}");
        assertThat(t.terminal()).isTrue();
        assertThat(usage.finishReason).isEqualTo(FinishReason.STOP);
    }

    @Test
    void shouldFollowToolCallsByIndexEvenWhenProvidersRepeatTheIdAndSkipSecondChoices() {
        TranslationWarnings warnings = new TranslationWarnings();
        StreamTranslator t = StreamTranslators.create(Dialect.OPENAI, Dialect.ANTHROPIC, "m", false, 4096,
                new Usage(), warnings, CREATED);
        String out = feed(t, "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\","
                + "\"tool_calls\":[{\"index\":0,\"id\":\"call_a\",\"function\":{\"name\":\"f\",\"arguments\":\"{\"}}]}}"
                + ",{\"index\":1,\"delta\":{\"content\":\"other\"}}]}\n\n"
                + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"id\":\"call_a\",\"function\":{\"arguments\":\"}\"}}]}}]}\n\n");

        assertThat(out.split("\"type\":\"tool_use\"", -1)).hasSize(2);
        assertThat(out).contains("{\"type\":\"content_block_stop\",\"index\":0}")
                .contains("\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"call_a\",\"name\":\"f\"")
                .contains("\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"}\"}")
                .doesNotContain("other");
        assertThat(warnings.droppedFields()).containsExactly("choices[1]");
    }

    @Test
    void shouldTurnUpstreamCommentsIntoKeepAlives() {
        assertThat(feed(openAiUpstream(4096, new Usage()), ": OPENROUTER PROCESSING\n\n"))
                .isEqualTo("event: ping\ndata: {\"type\":\"ping\"}\n\n");
        assertThat(feed(anthropicUpstream(4096, new Usage(), new TranslationWarnings()),
                ": x\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n")).isEqualTo(": ping\n\n: ping\n\n");
    }
}
