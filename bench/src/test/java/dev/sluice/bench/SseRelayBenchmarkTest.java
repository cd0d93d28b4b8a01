package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.internal.ReadPlan;
import dev.sluice.bench.internal.SseStreams;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseScanner;
import dev.sluice.proxy.RelayHarness;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

import java.io.ByteArrayOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class SseRelayBenchmarkTest {

    @ParameterizedTest
    @CsvSource({"event,false,default", "event,true,default", "fixed100,false,default", "fixed100,true,default",
        "event,false,pooled", "event,true,pooled", "fixed100,false,pooled", "fixed100,true,pooled"})
    void shouldRelayEveryStreamByteExceptHiddenUsageAndReleaseIt(String reads, boolean hideUsage, String allocator) {
        SseRelayBenchmark bench = new SseRelayBenchmark();
        bench.reads = reads;
        bench.hideUsage = hideUsage;
        bench.allocator = allocator;
        bench.leakDetection = "paranoid";
        bench.setUp();
        try {
            long expected = (hideUsage ? SseStreams.openAiWithoutUsage() : SseStreams.openAi()).length;
            assertThat(bench.relayOpenAiStream()).isEqualTo(expected);
            assertThat(bench.relayOpenAiStream()).isEqualTo(2 * expected);
            assertThat(bench.sink().writes()).isPositive();
        } finally {
            bench.tearDown();
        }
    }

    @Test
    void shouldWriteTheExactBytesOfTheStreamWithoutTheUsageChunk() {
        ChannelInboundHandlerAdapter anchor = new ChannelInboundHandlerAdapter();
        EmbeddedChannel channel = new EmbeddedChannel(anchor);
        try {
            RelayHarness driver = new RelayHarness(1 << 20);
            driver.start(channel.pipeline().context(anchor), Endpoint.CHAT_COMPLETIONS, true);
            ReadPlan plan = ReadPlan.fixed(SseStreams.openAi(), SseRelayBenchmark.FIXED_READ_BYTES);
            ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
            for (int k = 0; k < plan.reads(); k++) {
                assertThat(driver.onRead(plan.read(alloc, k))).isEqualTo(SseScanner.OK);
            }
            assertThat(driver.terminal()).isTrue();
            assertThat(driver.events()).isEqualTo(SseStreams.OPENAI_EVENTS);
            assertThat(driver.usage().outputTokens()).isEqualTo(SseStreams.openAiOutputTokens());
            channel.flush();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            ByteBuf b;
            while ((b = channel.readOutbound()) != null) {
                byte[] bytes = new byte[b.readableBytes()];
                b.readBytes(bytes);
                b.release();
                got.writeBytes(bytes);
            }
            assertThat(got.toByteArray()).isEqualTo(SseStreams.openAiWithoutUsage());
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void shouldSplitPerEventOnBlankLines() {
        ReadPlan plan = ReadPlan.perEvent(SseStreams.openAi());
        assertThat(plan.reads()).isEqualTo(SseStreams.OPENAI_EVENTS);
        ByteBuf last = plan.read(PooledByteBufAllocator.DEFAULT, plan.reads() - 1);
        try {
            assertThat(last.toString(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("data: [DONE]\n\n");
        } finally {
            last.release();
        }
    }
}
