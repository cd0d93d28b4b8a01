package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.internal.SseStreams;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.SseScanner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SseScanBenchmarkTest {
    private final SseScanBenchmark bench = new SseScanBenchmark();

    @BeforeEach
    void setUp() {
        bench.setUp();
    }

    @AfterEach
    void tearDown() {
        bench.tearDown();
    }

    @Test
    void shouldScanEveryOpenAiEventAndItsUsage() {
        for (int i = 0; i < 3; i++) {
            bench.openAiChat();
            assertThat(bench.usage().inputTokens()).isEqualTo(SseStreams.openAiInputTokens());
            assertThat(bench.usage().outputTokens()).isEqualTo(SseStreams.openAiOutputTokens());
            assertThat(bench.usage().finishReason()).isEqualTo(FinishReason.STOP);
        }
    }

    @Test
    void shouldScanEveryAnthropicEventAndItsUsage() {
        bench.anthropicMessages();
        assertThat(bench.usage().inputTokens()).isEqualTo(SseStreams.anthropicInputTokens());
        assertThat(bench.usage().outputTokens()).isEqualTo(SseStreams.anthropicOutputTokens());
        assertThat(bench.usage().finishReason()).isEqualTo(FinishReason.STOP);
    }

    @Test
    void shouldFlagOpenAiEventsAsPROVIDERS14Describes() {
        List<Integer> flags = flags(SseStreams.openAi(), Endpoint.CHAT_COMPLETIONS);
        assertThat(flags).hasSize(SseStreams.OPENAI_EVENTS);
        assertThat(flags.stream().filter(f -> (f & SseScanner.CONTENT) != 0)).hasSize(SseStreams.CONTENT_CHUNKS);
        assertThat(flags.get(SseStreams.OPENAI_EVENTS - 2) & SseScanner.USAGE_ONLY).isNotZero();
        assertThat(flags.get(SseStreams.OPENAI_EVENTS - 1) & (SseScanner.DONE | SseScanner.TERMINAL))
                .isEqualTo(SseScanner.DONE | SseScanner.TERMINAL);
        assertThat(flags.subList(0, SseStreams.OPENAI_EVENTS - 1))
                .allMatch(f -> (f & (SseScanner.TERMINAL | SseScanner.ERROR)) == 0);
    }

    @Test
    void shouldEndTheAnthropicStreamWithMessageStop() {
        List<Integer> flags = flags(SseStreams.anthropic(), Endpoint.MESSAGES);
        assertThat(flags).hasSize(SseStreams.ANTHROPIC_EVENTS);
        assertThat(flags.stream().filter(f -> (f & SseScanner.CONTENT) != 0)).hasSize(SseStreams.CONTENT_CHUNKS);
        assertThat(flags.get(SseStreams.ANTHROPIC_EVENTS - 1) & SseScanner.TERMINAL).isNotZero();
    }

    @Test
    void shouldDropExactlyTheUsageChunkFromTheStreamWithoutUsage() {
        String with = new String(SseStreams.openAi(), StandardCharsets.US_ASCII);
        String without = new String(SseStreams.openAiWithoutUsage(), StandardCharsets.US_ASCII);
        assertThat(with).contains("\"choices\":[],\"usage\":{\"prompt_tokens\":19");
        assertThat(without).doesNotContain("\"prompt_tokens\"").endsWith("data: [DONE]\n\n");
        assertThat(with.replace(without.substring(0, without.indexOf("data: [DONE]")), "")).startsWith("data: {")
                .endsWith("}}}\n\ndata: [DONE]\n\n");
    }

    private static List<Integer> flags(byte[] stream, Endpoint endpoint) {
        SseScanner scanner = new SseScanner(1 << 20);
        scanner.reset(endpoint);
        List<Integer> out = new ArrayList<>();
        ByteBuf buf = Unpooled.wrappedBuffer(stream);
        try {
            assertThat(scanner.scan(buf, (end, f) -> out.add(f))).isEqualTo(SseScanner.OK);
        } finally {
            buf.release();
        }
        return out;
    }
}
