package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.WholeBodies.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole success bodies through {@link ResponseTranslator#translate} (PROVIDERS.md 6.3, 6.4). */
class ResponseTranslatorTest {
    private final TranslationWarnings warnings = new TranslationWarnings();
    private final Usage usage = new Usage();

    @ParameterizedTest
    @CsvSource({"end_turn,stop,STOP", "stop_sequence,stop,STOP", "pause_turn,stop,STOP", "max_tokens,length,LENGTH",
        "model_context_window_exceeded,length,LENGTH", "tool_use,tool_calls,TOOL_CALLS",
        "refusal,content_filter,CONTENT_FILTER"})
    void shouldMapEveryAnthropicStopReason(String stopReason, String finishReason, FinishReason normalised)
            throws Exception {
        JsonNode out = fromAnthropic("{\"type\":\"message\",\"model\":\"c\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"x\"}],\"stop_reason\":\"" + stopReason + "\",\"usage\":{\"input_tokens\":1,"
                + "\"output_tokens\":2}}");
        assertThat(out.at("/choices/0/finish_reason").textValue()).isEqualTo(finishReason);
        assertThat(usage.finishReason).isEqualTo(normalised);
    }

    @ParameterizedTest
    @CsvSource({"stop,end_turn,STOP", "length,max_tokens,LENGTH", "tool_calls,tool_use,TOOL_CALLS",
        "function_call,tool_use,TOOL_CALLS", "content_filter,refusal,CONTENT_FILTER"})
    void shouldMapEveryOpenAiFinishReason(String finishReason, String stopReason, FinishReason normalised)
            throws Exception {
        JsonNode out = fromOpenAi("{\"model\":\"g\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"x\"},\"finish_reason\":\"" + finishReason + "\"}]}");
        assertThat(out.get("stop_reason").textValue()).isEqualTo(stopReason);
        assertThat(out.get("stop_sequence").isNull()).isTrue();
        assertThat(usage.finishReason).isEqualTo(normalised);
    }

    @Test
    void shouldCountAllInputForOpenAiClientsAndFillUsage() throws Exception {
        JsonNode out = fromAnthropic("""
                {"type":"message","model":"claude-sonnet-4-20250514","content":[{"type":"text","text":"hi"}],
                 "stop_reason":"end_turn","usage":{"input_tokens":5,"cache_read_input_tokens":1000,
                 "cache_creation_input_tokens":200,"output_tokens":7}}""");
        assertThat(out.get("model").textValue()).isEqualTo("claude-sonnet-4-20250514");
        assertThat(out.get("usage")).isEqualTo(parse("""
                {"prompt_tokens":1205,"completion_tokens":7,"total_tokens":1212,
                 "prompt_tokens_details":{"cached_tokens":1000,"audio_tokens":0,"cache_write_tokens":200},
                 "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,
                   "rejected_prediction_tokens":0}}"""));
        assertThat(usage.inputTokens).isEqualTo(1205);
        assertThat(usage.cachedTokens).isEqualTo(1000);
        assertThat(usage.cacheWriteTokens).isEqualTo(200);
        assertThat(usage.outputTokens).isEqualTo(7);
    }

    @Test
    void shouldSubtractCachedTokensForAnthropicClients() throws Exception {
        JsonNode out = fromOpenAi("""
                {"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},
                 "finish_reason":"stop"}],"usage":{"prompt_tokens":1205,"completion_tokens":7,"total_tokens":1212,
                 "prompt_tokens_details":{"cached_tokens":1000,"cache_write_tokens":200}}}""");
        assertThat(out.get("usage")).isEqualTo(parse("""
                {"input_tokens":5,"cache_creation_input_tokens":200,"cache_read_input_tokens":1000,"output_tokens":7}"""));
        assertThat(usage.inputTokens).isEqualTo(1205);
        assertThat(usage.cachedTokens).isEqualTo(1000);
        assertThat(usage.cacheWriteTokens).isEqualTo(200);
    }

    @Test
    void shouldLeaveUnreportedUsageUnknownAndStillSendZeroUsageToAnthropicClients() throws Exception {
        JsonNode out = fromOpenAi("""
                {"model":"g","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":null}]}""");
        assertThat(out.get("usage")).isEqualTo(parse("""
                {"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}"""));
        assertThat(out.get("stop_reason").textValue()).isEqualTo("end_turn");
        assertThat(usage.known()).isFalse();
        assertThat(usage.finishReason).isEqualTo(FinishReason.NONE);

        JsonNode openAi = fromAnthropic("""
                {"type":"message","model":"c","content":[],"stop_reason":"end_turn"}""");
        assertThat(openAi.has("usage")).isFalse();
        assertThat(openAi.at("/choices/0/message/content").textValue()).isEmpty();
        assertThat(usage.known()).isFalse();
    }

    @Test
    void shouldDropAndCountThinkingForOpenAiClients() throws Exception {
        JsonNode out = fromAnthropic("""
                {"type":"message","model":"c","content":[{"type":"thinking","thinking":"a","signature":"s"},
                 {"type":"redacted_thinking","data":"d"},{"type":"tool_use","id":"toolu_1","name":"f",
                 "input":{"a":[1,"\\u00e9"]}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":1}}""");
        assertThat(out.at("/choices/0/message")).isEqualTo(parse("""
                {"role":"assistant","content":null,"refusal":null,"annotations":[],"tool_calls":[
                  {"id":"toolu_1","type":"function","function":{"name":"f","arguments":"{\\"a\\":[1,\\"\\u00e9\\"]}"}}]}"""));
        assertThat(warnings.droppedFields()).containsExactly("content[0]", "content[1]");
    }

    @Test
    void shouldTurnReasoningContentAndRefusalIntoAnthropicBlocks() throws Exception {
        JsonNode out = fromOpenAi("""
                {"model":"r1","choices":[{"index":0,"message":{"role":"assistant","content":"",
                 "reasoning_content":"think","refusal":"I can't help with that."},"finish_reason":"content_filter"},
                 {"index":1,"message":{"role":"assistant","content":"other"},"finish_reason":"stop"}]}""");
        assertThat(out.get("content")).isEqualTo(parse("""
                [{"type":"thinking","thinking":"think","signature":""},
                 {"type":"text","text":"I can't help with that."}]"""));
        assertThat(out.get("stop_reason").textValue()).isEqualTo("refusal");
        assertThat(warnings.droppedFields()).containsExactly("choices[1]");
    }

    @Test
    void shouldRefuseBodiesThatAreNotResponses() {
        assertRefused(Dialect.ANTHROPIC, "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"x\"}}");
        assertRefused(Dialect.ANTHROPIC, "{\"type\":\"message\",\"content\":\"text\"}");
        assertRefused(Dialect.OPENAI, "{\"error\":{\"message\":\"x\"}}");
        assertRefused(Dialect.OPENAI, "{\"choices\":[]}");
        assertRefused(Dialect.OPENAI, "not json");
        assertRefused(Dialect.OPENAI, """
                {"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"c","type":"function",
                 "function":{"name":"f","arguments":"{broken"}}]}}]}""");
    }

    @Test
    void shouldCopySameDialectBodiesByteForByteAndStillFillUsage() throws Exception {
        String body = "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[],\"stop_reason\":\"max_tokens\","
                + "\"usage\":{\"input_tokens\":3,\"cache_read_input_tokens\":4,\"output_tokens\":5}}";
        ByteBuf in = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        ByteBuf out = ResponseTranslator.translate(WholeBodies.ALLOC, in, Dialect.ANTHROPIC, Dialect.ANTHROPIC, usage,
                warnings);
        try {
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(body);
            assertThat(in.readerIndex()).isZero();
            assertThat(usage.inputTokens).isEqualTo(7);
            assertThat(usage.cachedTokens).isEqualTo(4);
            assertThat(usage.cacheWriteTokens).isEqualTo(-1);
            assertThat(usage.outputTokens).isEqualTo(5);
            assertThat(usage.finishReason).isEqualTo(FinishReason.LENGTH);
        } finally {
            out.release();
            in.release();
        }
    }

    @Test
    void shouldGenerateFreshIds() throws Exception {
        String anthropic = "{\"type\":\"message\",\"model\":\"c\",\"content\":[],\"stop_reason\":\"end_turn\"}";
        assertThat(fromAnthropic(anthropic).get("id").textValue()).startsWith("chatcmpl-")
                .isNotEqualTo(fromAnthropic(anthropic).get("id").textValue());
        String openAi = "{\"model\":\"g\",\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"stop\"}]}";
        assertThat(fromOpenAi(openAi).get("id").textValue()).startsWith("msg_")
                .isNotEqualTo(fromOpenAi(openAi).get("id").textValue());
    }

    private JsonNode fromAnthropic(String body) throws TranslationException {
        return WholeBodies.response(body, Dialect.ANTHROPIC, Dialect.OPENAI, usage, warnings);
    }

    private JsonNode fromOpenAi(String body) throws TranslationException {
        return WholeBodies.response(body, Dialect.OPENAI, Dialect.ANTHROPIC, usage, warnings);
    }

    private void assertRefused(Dialect from, String body) {
        Dialect to = from == Dialect.OPENAI ? Dialect.ANTHROPIC : Dialect.OPENAI;
        assertThatThrownBy(() -> WholeBodies.response(body, from, to, usage, warnings))
                .isInstanceOf(TranslationException.class);
    }
}
