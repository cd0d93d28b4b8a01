package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

class UpstreamConnectionTest {
    private static BenchModel model(String body) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return UpstreamConnection.model(b, 0, b.writerIndex());
        } finally {
            b.release();
        }
    }

    private static boolean stream(String body) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return UpstreamConnection.streamRequested(b, 0, b.writerIndex());
        } finally {
            b.release();
        }
    }

    @Test
    void shouldFindTheModelWhateverTheSpacing() {
        assertThat(model("{\"model\":\"mock\"}")).isEqualTo(BenchModel.MOCK);
        assertThat(model("{\"messages\":[], \"model\" :\n \"mock-ttft20-itl10\", \"stream\": true}"))
                .isEqualTo(BenchModel.TTFT20_ITL10);
        assertThat(model("{\"model\": \"mock-n40\"}")).isEqualTo(BenchModel.N40);
        assertThat(model("{\"model\": \"mock-lat50\"}")).isEqualTo(BenchModel.LAT50);
        assertThat(model("{\"model\": \"mock-n4\"}")).isNull();
        assertThat(model("{\"messages\": []}")).isNull();
    }

    @Test
    void shouldSeeStreamTrueOnly() {
        assertThat(stream("{\"stream\": true}")).isTrue();
        assertThat(stream("{\"stream\":false}")).isFalse();
        assertThat(stream("{\"model\":\"mock\"}")).isFalse();
    }

    @Test
    void shouldEncodeTheEventsTheValidationExpects() {
        String[] events = UpstreamResponses.events(BenchModel.MOCK);
        assertThat(events).hasSize(BenchModel.MOCK.dataLines()).hasSize(22);
        assertThat(events[21]).isEqualTo("data: [DONE]\n\n");
        assertThat(String.join("", events).length()).isBetween(4000, 6000);
    }

    @Test
    void shouldWriteThePacedStreamFirstAfter20MsThenOneEventEvery10Ms() {
        UpstreamResponses responses = new UpstreamResponses();
        EmbeddedChannel channel = new EmbeddedChannel(new UpstreamConnection(responses));
        try {
            channel.freezeTime();
            byte[] body = Bodies.chat(BenchModel.TTFT20_ITL10, true);
            channel.writeInbound(Unpooled.copiedBuffer(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body));
            channel.runPendingTasks();
            assertThat(written(channel)).isEmpty();

            channel.advanceTimeBy(19, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(written(channel)).as("before the first chunk is due").isEmpty();
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            List<String> first = written(channel);
            assertThat(first).hasSize(2);
            assertThat(first.get(0)).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n");
            assertThat(first.get(1)).contains("data: ").contains("\"role\":\"assistant\"");

            String[] events = UpstreamResponses.events(BenchModel.TTFT20_ITL10);
            assertThat(events).hasSize(22);
            for (int i = 1; i < events.length; i++) {
                channel.advanceTimeBy(9, TimeUnit.MILLISECONDS);
                channel.runScheduledPendingTasks();
                assertThat(written(channel)).as("9 ms after event %d", i - 1).isEmpty();
                channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
                channel.runScheduledPendingTasks();
                String chunk = Integer.toHexString(events[i].length()) + "\r\n" + events[i] + "\r\n";
                assertThat(written(channel)).as("10 ms after event %d", i - 1)
                        .containsExactly(i == events.length - 1 ? chunk + "0\r\n\r\n" : chunk);
            }
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
            assertThat(written(channel)).as("after the last chunk").isEmpty();
        } finally {
            channel.finishAndReleaseAll();
            responses.release();
        }
    }

    /** What the connection wrote since the last call, one string per buffer, each released. */
    private static List<String> written(EmbeddedChannel channel) {
        List<String> out = new ArrayList<>();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            out.add(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return out;
    }
}
