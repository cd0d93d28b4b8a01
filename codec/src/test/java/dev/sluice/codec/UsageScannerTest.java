package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UsageScannerTest {

    record Case(String fixture, Endpoint endpoint, long in, long out, long cached, long cacheWrite,
            FinishReason finish) {
        @Override
        public String toString() {
            return fixture;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("chat-response.json", Endpoint.CHAT_COMPLETIONS, 19, 10, 0, -1, FinishReason.STOP),
                new Case("responses-response.json", Endpoint.RESPONSES, 36, 9, 0, -1, FinishReason.STOP),
                new Case("embeddings-response.json", Endpoint.EMBEDDINGS, 8, -1, -1, -1, FinishReason.NONE),
                new Case("completions-response.json", Endpoint.COMPLETIONS, 5, 7, -1, -1, FinishReason.LENGTH),
                new Case("messages-response.json", Endpoint.MESSAGES, 472, 89, 0, 0, FinishReason.TOOL_CALLS));
    }

    private static Usage scan(UsageScanner scanner, Endpoint e, byte[] data, int... cuts) {
        Usage usage = new Usage();
        scanner.reset(e, usage);
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : data.length;
            ByteBuf buf = Fixtures.offsetBuffer(data, from, to, 3);
            try {
                scanner.scan(buf);
                assertThat(buf.readerIndex()).isEqualTo(3);
            } finally {
                buf.release();
            }
            from = to;
        }
        assertThat(scanner.usage()).isSameAs(usage);
        return usage;
    }

    private static void assertUsage(Case c, Usage u, int cut) {
        assertThat(u.inputTokens).as("input, cut %d", cut).isEqualTo(c.in());
        assertThat(u.outputTokens).as("output, cut %d", cut).isEqualTo(c.out());
        assertThat(u.cachedTokens).as("cached, cut %d", cut).isEqualTo(c.cached());
        assertThat(u.cacheWriteTokens).as("cacheWrite, cut %d", cut).isEqualTo(c.cacheWrite());
        assertThat(u.finishReason).as("finish, cut %d", cut).isEqualTo(c.finish());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldExtractUsageWhenSplitAtEveryPosition(Case c) {
        byte[] data = Fixtures.bytes(c.fixture());
        UsageScanner scanner = new UsageScanner();
        for (int cut = 0; cut <= data.length; cut++) {
            assertUsage(c, scan(scanner, c.endpoint(), data, cut), cut);
        }
        int[] every = new int[data.length - 1];
        for (int i = 0; i < every.length; i++) {
            every[i] = i + 1;
        }
        assertUsage(c, scan(scanner, c.endpoint(), data, every), -1);
    }

    @Test
    void shouldSkipLongStringsWithEscapesAndDecoysWhenSplitAtEveryPosition() {
        // Long strings are searched for their end, not lexed: escaped quotes and backslashes, a decoy usage object
        // inside the text, and a long key must all be seen through at every cut.
        String text = "The answer, at length: \\\"usage\\\": {\\\"prompt_tokens\\\": 999}, a backslash \\\\"
                + " then \\\"finish_reason\\\": \\\"length\\\" and \\u00e9t\\u00e9 " + "x".repeat(300) + "\\\\";
        String json = "{\"id\":\"chatcmpl-1\",\"a_key_longer_than_any_word_the_lexer_knows_of\":\"" + text + "\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":345,\"total_tokens\":357}}";
        byte[] data = json.getBytes(StandardCharsets.UTF_8);
        UsageScanner scanner = new UsageScanner();
        Case c = new Case("long strings", Endpoint.CHAT_COMPLETIONS, 12, 345, -1, -1, FinishReason.STOP);
        for (int cut = 0; cut <= data.length; cut++) {
            assertUsage(c, scan(scanner, c.endpoint(), data, cut), cut);
        }
        for (int a = 1; a < data.length; a += 7) {
            assertUsage(c, scan(scanner, c.endpoint(), data, a, Math.min(data.length, a + 1 + a % 5)), a);
        }
    }

    private static Usage scan(Endpoint e, String json) {
        return scan(new UsageScanner(), e, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldNormaliseAnthropicCacheTokensIntoInput() {
        Usage u = scan(Endpoint.MESSAGES, "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":"
                + "\"usage: {\\\"input_tokens\\\": 5}\"}],\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":100,"
                + "\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":50,\"cache_creation\":"
                + "{\"ephemeral_5m_input_tokens\":10},\"output_tokens\":7}}");
        assertThat(u.inputTokens).isEqualTo(160);
        assertThat(u.cachedTokens).isEqualTo(50);
        assertThat(u.cacheWriteTokens).isEqualTo(10);
        assertThat(u.outputTokens).isEqualTo(7);
        assertThat(u.finishReason).isEqualTo(FinishReason.STOP);
    }

    @Test
    void shouldReportToolCallsAndIncompleteResponses() {
        Usage tools = scan(Endpoint.RESPONSES, "{\"status\":\"completed\",\"output\":[{\"type\":\"function_call\","
                + "\"status\":\"completed\",\"name\":\"f\"}],\"usage\":{\"input_tokens\":4,\"input_tokens_details\":"
                + "{\"cached_tokens\":2},\"output_tokens\":3}}");
        assertThat(tools.finishReason).isEqualTo(FinishReason.TOOL_CALLS);
        assertThat(tools.cachedTokens).isEqualTo(2);
        Usage incomplete = scan(Endpoint.RESPONSES, "{\"status\":\"incomplete\",\"incomplete_details\":"
                + "{\"reason\":\"content_filter\"},\"output\":[{\"type\":\"message\",\"status\":\"incomplete\"}]}");
        assertThat(incomplete.finishReason).isEqualTo(FinishReason.CONTENT_FILTER);
        assertThat(incomplete.known()).isFalse();
    }

    @Test
    void shouldMapEveryFinishReason() {
        String[][] openAi = {{"stop", "STOP"}, {"length", "LENGTH"}, {"tool_calls", "TOOL_CALLS"},
            {"function_call", "TOOL_CALLS"}, {"content_filter", "CONTENT_FILTER"}, {"weird", "OTHER"}};
        for (String[] p : openAi) {
            Usage u = scan(Endpoint.CHAT_COMPLETIONS, "{\"choices\":[{\"finish_reason\":\"" + p[0] + "\"}]}");
            assertThat(u.finishReason).as(p[0]).isEqualTo(FinishReason.valueOf(p[1]));
        }
        String[][] anthropic = {{"end_turn", "STOP"}, {"stop_sequence", "STOP"}, {"pause_turn", "STOP"},
            {"max_tokens", "LENGTH"}, {"model_context_window_exceeded", "LENGTH"}, {"tool_use", "TOOL_CALLS"},
            {"refusal", "CONTENT_FILTER"}, {"something_new", "OTHER"}};
        for (String[] p : anthropic) {
            Usage u = scan(Endpoint.MESSAGES, "{\"stop_reason\":\"" + p[0] + "\",\"stop_sequence\":null}");
            assertThat(u.finishReason).as(p[0]).isEqualTo(FinishReason.valueOf(p[1]));
        }
    }

    @Test
    void shouldIgnoreFinishReasonsOutsideChoicesAndUsageOutsideUsage() {
        Usage u = scan(Endpoint.CHAT_COMPLETIONS, "{\"metadata\":{\"finish_reason\":\"length\",\"prompt_tokens\":5},"
                + "\"prompt_tokens\":6,\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":null}]}");
        assertThat(u.finishReason).isEqualTo(FinishReason.NONE);
        assertThat(u.known()).isFalse();
    }
}
