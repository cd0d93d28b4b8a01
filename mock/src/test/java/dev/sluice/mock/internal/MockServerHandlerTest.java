package dev.sluice.mock.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class MockServerHandlerTest {
    private final MockRecorder recorder = new MockRecorder(10);
    private final EmbeddedChannel channel = new EmbeddedChannel(new MockServerHandler(recorder));
    private final List<Object> outbound = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        for (final Object o : outbound) {
            ReferenceCountUtil.release(o);
        }
        channel.finishAndReleaseAll();
    }

    private static FullHttpRequest post(final String path, final String body, final String... headers) {
        final FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        for (int i = 0; i < headers.length; i += 2) {
            req.headers().add(headers[i], headers[i + 1]);
        }
        req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, req.content().readableBytes());
        return req;
    }

    private List<Object> drain() {
        final List<Object> out = new ArrayList<>();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            out.add(o);
            outbound.add(o);
        }
        return out;
    }

    private static String text(final Object content) {
        return ((HttpContent) content).content().toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReleaseRequestAndAnswerJson() {
        final FullHttpRequest req = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}");
        channel.writeInbound(req);
        channel.runPendingTasks();

        assertThat(req.refCnt()).isZero();
        final List<Object> out = drain();
        assertThat(out).hasSize(2);
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(200);
        assertThat(out.get(1)).isInstanceOf(LastHttpContent.class);
        assertThat(text(out.get(1))).contains("\"object\":\"chat.completion\"");
        assertThat(recorder.snapshot().get(0).completed()).isTrue();
    }

    @Test
    void shouldSendHeadersAtOnceAndFirstEventOnlyAfterFirstTokenMs() {
        channel.freezeTime();
        channel.writeInbound(post("/v1/messages", "{\"model\":\"c\",\"max_tokens\":5,\"stream\":true,\"messages\":[]}",
            "x-mock-first-token-ms", "200", "x-mock-token-ms", "10", "x-mock-tokens", "1"));
        channel.runPendingTasks();
        final List<Object> head = drain();
        assertThat(head).hasSize(1);
        assertThat(((HttpResponse) head.get(0)).headers().get("request-id")).startsWith("req_");

        channel.advanceTimeBy(199, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(drain()).isEmpty();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        final List<Object> first = drain();
        assertThat(first).hasSize(1);
        assertThat(text(first.get(0))).startsWith("event: message_start\n");

        // Six more events, one every 10 ms and none sooner, then the last chunk with the last event.
        final List<String> rest = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            channel.advanceTimeBy(9, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
            assertThat(drain()).as("9 ms after event %d", i).isEmpty();
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            channel.runPendingTasks();
            final List<Object> step = drain();
            assertThat(step).as("10 ms after event %d", i).hasSize(i == 5 ? 2 : 1);
            for (final Object o : step) {
                if (!(o instanceof LastHttpContent)) {
                    rest.add(text(o).substring(0, text(o).indexOf('\n')));
                } else {
                    rest.add("END");
                }
            }
        }
        assertThat(rest).containsExactly("event: content_block_start", "event: ping", "event: content_block_delta",
            "event: content_block_stop", "event: message_delta", "event: message_stop", "END");
        assertThat(recorder.snapshot().get(0).eventsSent()).isEqualTo(7);
        assertThat(recorder.snapshot().get(0).completed()).isTrue();
    }

    @Test
    void shouldHoldTheWholeAnswerHeadIncludedForHeadDelayMs() {
        channel.freezeTime();
        channel.writeInbound(post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}",
            "x-mock-head-delay-ms", "250", "x-mock-status", "503"));
        channel.runPendingTasks();
        assertThat(drain()).isEmpty();

        channel.advanceTimeBy(249, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        assertThat(drain()).isEmpty();
        assertThat(recorder.snapshot().get(0).status()).isZero();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
        final List<Object> out = drain();
        assertThat(out).isNotEmpty();
        assertThat(((HttpResponse) out.get(0)).status().code()).isEqualTo(503);
        assertThat(recorder.snapshot().get(0).status()).isEqualTo(503);
        assertThat(recorder.snapshot().get(0).completed()).isTrue();
    }

    @Test
    void shouldMarkCancelledAndStopTimersWhenPeerCloses() {
        channel.freezeTime();
        channel.writeInbound(post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[]}",
            "x-mock-first-token-ms", "1000"));
        channel.runPendingTasks();
        drain();

        channel.close();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(drain()).isEmpty();
        assertThat(recorder.snapshot().get(0).cancelled()).isTrue();
        assertThat(recorder.snapshot().get(0).closedAtNs()).isNotEqualTo(-1);
    }

    @Test
    void shouldQueuePipelinedRequestUntilCurrentAnswerEnds() {
        channel.freezeTime();
        final FullHttpRequest first = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}",
            "x-mock-first-token-ms", "50", "x-test-req-id", "a");
        final FullHttpRequest second = post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}",
            "x-test-req-id", "b");
        channel.writeInbound(first, second);
        channel.runPendingTasks();
        assertThat(drain()).isEmpty();
        assertThat(recorder.snapshot()).hasSize(1);

        channel.advanceTimeBy(50, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();

        final List<Object> out = drain();
        assertThat(out).hasSize(4);
        assertThat(text(out.get(1))).contains("chat.completion");
        assertThat(out.get(2)).isInstanceOf(HttpResponse.class);
        assertThat(text(out.get(3))).contains("\"embedding\"");
        assertThat(recorder.snapshot()).extracting(r -> r.id()).containsExactly("a", "b");
        assertThat(first.refCnt()).isZero();
        assertThat(second.refCnt()).isZero();
    }

    @Test
    void shouldAnswerUnknownPathWithoutLeaking() {
        final ByteBuf body = Unpooled.copiedBuffer("{}", StandardCharsets.UTF_8);
        final FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/nope", body);
        channel.writeInbound(req);
        channel.runPendingTasks();

        final List<Object> out = drain();
        assertThat(((FullHttpResponse) out.get(0)).status().code()).isEqualTo(404);
        assertThat(req.refCnt()).isZero();
    }
}
