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
    /**
     * The relay against a model of what the client must get, over streams cut into reads at random bytes: every
     * event in order up to the terminal one and nothing after it; without usage asked, no usage chunk and no
     * {@code "usage":null}. The relay moves bytes within a read to cut them out, so a wrong offset shows here.
     */
    @Test
    void shouldSendExactlyWhatTheModelSaysForStreamsCutAnywhere() {
        String content = "data: {\"choices\":[{\"delta\":{\"content\":\"%s\"}}],\"usage\":null}%s";
        String plain = "data: {\"choices\":[{\"delta\":{\"content\":\"%s\"}}]}%s";
        String usageChunk = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
                + "\"total_tokens\":5}}%s";
        java.util.Random random = new java.util.Random(20261206L);
        for (int round = 0; round < 400; round++) {
            boolean hide = random.nextBoolean();
            StringBuilder stream = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            int events = 1 + random.nextInt(6);
            for (int e = 0; e < events; e++) {
                String end = random.nextInt(4) == 0 ? "\r\n\r\n" : "\n\n";
                String token = "t" + e + "x".repeat(random.nextInt(40));
                if (random.nextBoolean()) {
                    stream.append(String.format(content, token, end));
                    expected.append(hide ? String.format(plain, token, end) : String.format(content, token, end));
                } else {
                    stream.append(String.format(plain, token, end));
                    expected.append(String.format(plain, token, end));
                }
            }
            String usageEvent = String.format(usageChunk, "\n\n");
            stream.append(usageEvent);
            if (!hide) {
                expected.append(usageEvent);
            }
            stream.append("data: [DONE]\n\n");
            expected.append("data: [DONE]\n\n");
            if (random.nextBoolean()) {
                stream.append("data: {\"after\":\"the end\"}\n\n");
            }
            relay.reset(out, Endpoint.CHAT_COMPLETIONS, usage, hide);
            byte[] bytes = stream.toString().getBytes(StandardCharsets.UTF_8);
            int at = 0;
            while (at < bytes.length) {
                int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 12 : 400));
                ByteBuf b = Unpooled.directBuffer(n).writeBytes(bytes, at, n);
                reads.add(b);
                assertThat(relay.onContent(b, false)).isEqualTo(ResponseRelay.OK);
                at += n;
            }
            assertThat(relay.completeAtEnd()).isTrue();
            assertThat(written()).as("round %d, usage hidden %s, stream %s", round, hide, stream)
                    .isEqualTo(expected.toString());
        }
    }
}
