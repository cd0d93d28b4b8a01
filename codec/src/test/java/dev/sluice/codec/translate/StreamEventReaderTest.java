package dev.sluice.codec.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class StreamEventReaderTest {
    private final List<String> events = new ArrayList<>();
    private final StreamEventReader.Listener listener = (name, data, length, commentOnly, out) -> {
        events.add(commentOnly ? "(comment)" : name + "|" + new String(data, 0, length, StandardCharsets.UTF_8));
        return StreamTranslator.OK;
    };

    private int read(StreamEventReader reader, String input) {
        ByteBuf in = Unpooled.copiedBuffer(input, StandardCharsets.UTF_8);
        try {
            return reader.read(in, Unpooled.EMPTY_BUFFER, listener);
        } finally {
            in.release();
        }
    }

    @Test
    void shouldJoinDataLinesAndReadFieldsAsTheSdksDo() {
        StreamEventReader reader = new StreamEventReader(1024);
        read(reader, "event: a\ndata: one\ndata:two\ndata:  three\nid: 7\nretry: 10\nunknown\n\n");
        read(reader, "event: only-a-name\n\n\n\n: comment\n\ndata\n\n");

        assertThat(events).containsExactly("a|one\ntwo\n three", "(comment)", "null|");
    }

    @Test
    void shouldNotSeeABlankLineWhenCrAndLfArriveInSeparateBuffers() {
        StreamEventReader reader = new StreamEventReader(1024);
        read(reader, "data: x\r");
        read(reader, "\ndata: y\r");
        read(reader, "\n");
        assertThat(events).isEmpty();
        read(reader, "\r");
        assertThat(events).containsExactly("null|x\ny");
        // The LF of that blank line's CRLF arrives late: it ends nothing.
        read(reader, "\n");
        assertThat(events).containsExactly("null|x\ny");
        read(reader, "data: z\r\rdata: w\n\n");
        assertThat(events).containsExactly("null|x\ny", "null|z", "null|w");
    }

    @Test
    void shouldStopAtTheListenersResultAndLeaveTheRestUnread() {
        StreamEventReader reader = new StreamEventReader(1024);
        ByteBuf in = Unpooled.copiedBuffer("data: 1\n\ndata: 2\n\n", StandardCharsets.UTF_8);
        try {
            int result = reader.read(in, Unpooled.EMPTY_BUFFER, (name, data, length, commentOnly, out) -> 99);
            assertThat(result).isEqualTo(99);
            assertThat(in.toString(StandardCharsets.UTF_8)).isEqualTo("data: 2\n\n");
        } finally {
            in.release();
        }
    }

    @Test
    void shouldStartCountingAfreshAfterEachEvent() {
        StreamEventReader reader = new StreamEventReader(10);
        // "data: 12\n\n" is exactly 10 bytes; many of them in a row never add up.
        for (int i = 0; i < 50; i++) {
            assertThat(read(reader, "data: 12\n\n")).isEqualTo(StreamTranslator.OK);
        }
        assertThat(events).hasSize(50);
        assertThat(read(reader, "data: 123\n\n")).isEqualTo(StreamTranslator.TOO_LARGE);
    }
}
