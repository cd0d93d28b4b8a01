package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.codec.Endpoint;
import dev.sluice.codec.ManualClock;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link SseRelay} writing to an embedded channel: whole events only, in order, across reads; the usage chunk a
 * client did not ask for dropped; the partial event of a broken stream released; every upstream buffer released.
 */
class SseRelayTest {
    private final ManualClock clock = new ManualClock(0);
    private final List<ByteBuf> reads = new ArrayList<>();
    private EmbeddedChannel channel;
    private ClientOut out;
    private SseRelay relay;
    private Usage usage;

    @BeforeEach
    void open() {
        channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        ChannelHandlerContext ctx = channel.pipeline().firstContext();
        out = new ClientOut(ctx, () -> { });
        relay = new SseRelay(64 * 1024, clock);
        usage = new Usage();
    }

    @AfterEach
    void close() {
        assertThat(channel.finishAndReleaseAll()).as("everything written was read by the test").isFalse();
        assertThat(reads).allSatisfy(b -> assertThat(b.refCnt()).as("upstream buffers released").isZero());
    }

    private int read(String text) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        reads.add(b);
        return relay.onContent(b, false);
    }

    private String written() {
        StringBuilder s = new StringBuilder();
        channel.flushOutbound();
        ByteBuf b;
        while ((b = channel.readOutbound()) != null) {
            s.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return s.toString();
    }

    @Test
    void shouldRelayWholeEventsAcrossReadsAndNoteTheFirstToken() {
        relay.reset(out, Endpoint.CHAT_COMPLETIONS, usage, false);
        clock.advance(5, TimeUnit.MILLISECONDS);
        assertThat(read("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"cho")).isEqualTo(
                ResponseRelay.OK);
        assertThat(written()).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        assertThat(relay.firstTokenNs(0)).isEqualTo(5_000_000L);
        assertThat(read("ices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n")).isEqualTo(ResponseRelay.OK);
        assertThat(written()).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\n\ndata: [DONE]\n\n");
        assertThat(relay.completeAtEnd()).isTrue();
        assertThat(relay.contentEvents()).isEqualTo(2);
    }

    @Test
    void shouldDropTheUsageTheClientDidNotAskFor() {
        relay.reset(out, Endpoint.CHAT_COMPLETIONS, usage, true);
        read("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n");
        read("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}\n\n"
                + "data: [DONE]\n\n");
        assertThat(written()).isEqualTo("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]\n\n");
        assertThat(usage.outputTokens).isEqualTo(1);
    }

    @Test
    void shouldReleaseThePartialEventOfABrokenStream() {
        relay.reset(out, Endpoint.CHAT_COMPLETIONS, usage, false);
        read("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\ndata: {\"half");
        assertThat(written()).contains("\"a\"");
        assertThat(relay.completeAtEnd()).as("no terminal event: the stream is truncated").isFalse();
        relay.discardPartial();
        assertThat(written()).isEmpty();
    }
}
