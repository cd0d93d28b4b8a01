package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

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
}
