package dev.sluice.bench.load.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

class ResponseReaderTest {
    private static final String SSE_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";

    private static String chunk(String s) {
        return Integer.toHexString(s.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + s + "\r\n";
    }

    private static String openAiStream(int events, boolean done) {
        StringBuilder sb = new StringBuilder(SSE_HEAD);
        for (int i = 0; i < events; i++) {
            sb.append(chunk("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"token number " + i
                    + " with a long enough payload to pass the head\"}}]}\n\n"));
        }
        if (done) {
            sb.append(chunk("data: [DONE]\n\n"));
        }
        return sb.append("0\r\n\r\n").toString();
    }

    /** Feeds {@code text} in pieces of {@code step} bytes; returns the OR of all flags. */
    private static int feedInPieces(ResponseReader r, String text, int step) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int flags = 0;
        for (int i = 0; i < bytes.length; i += step) {
            ByteBuf b = Unpooled.wrappedBuffer(bytes, i, Math.min(step, bytes.length - i));
            try {
                while (b.isReadable() && (flags & ResponseReader.DONE) == 0) {
                    flags |= r.feed(b);
                    if ((flags & ResponseReader.MALFORMED) != 0) {
                        return flags;
                    }
                }
                assertThat(b.isReadable()).as("no bytes left after the response").isFalse();
            } finally {
                b.release();
            }
        }
        return flags;
    }

    @Test
    void shouldCountDataLinesAndSeeDoneWhateverTheReadBoundaries() {
        String text = openAiStream(21, true);
        for (int step : new int[] {1, 2, 3, 7, 31, 100, 4096}) {
            ResponseReader r = new ResponseReader();
            r.reset(true);
            int flags = feedInPieces(r, text, step);
            assertThat(flags & (ResponseReader.FIRST | ResponseReader.DONE))
                    .as("step %d", step).isEqualTo(ResponseReader.FIRST | ResponseReader.DONE);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.dataLines()).as("step %d", step).isEqualTo(22);
            assertThat(r.terminated()).as("step %d", step).isTrue();
            assertThat(r.closeAfter()).isFalse();
        }
    }

    @Test
    void shouldFlagAStreamThatEndsWithoutDone() {
        ResponseReader r = new ResponseReader();
        r.reset(true);
        int flags = feedInPieces(r, openAiStream(5, false), 13);
        assertThat(flags & ResponseReader.DONE).isEqualTo(ResponseReader.DONE);
        assertThat(r.dataLines()).isEqualTo(5);
        assertThat(r.terminated()).isFalse();
    }

    @Test
    void shouldTreatAnthropicMessageStopAsTerminal() {
        String body = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        ResponseReader r = new ResponseReader();
        r.reset(true);
        feedInPieces(r, SSE_HEAD + chunk(body) + "0\r\n\r\n", 5);
        assertThat(r.dataLines()).isEqualTo(2);
        assertThat(r.terminated()).isTrue();
    }

    @Test
    void shouldReadAContentLengthBodyAndReportTheFirstByte() {
        String json = "{\"id\":\"x\",\"choices\":[]}";
        String text = "HTTP/1.1 200 OK\r\ncontent-length: " + json.length() + "\r\n\r\n" + json;
        ResponseReader r = new ResponseReader();
        r.reset(false);
        ByteBuf head = Unpooled.copiedBuffer(text.substring(0, text.length() - json.length()), StandardCharsets.US_ASCII);
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.US_ASCII);
        try {
            assertThat(r.feed(head)).isZero();
            assertThat(r.headersDone()).isTrue();
            assertThat(r.feed(body)).isEqualTo(ResponseReader.FIRST | ResponseReader.DONE);
        } finally {
            head.release();
            body.release();
        }
    }

    @Test
    void shouldSkipInterimResponsesAndHonourConnectionClose() {
        String text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n"
                + "Content-Length: 2\r\n\r\n{}";
        ResponseReader r = new ResponseReader();
        r.reset(false);
        int flags = feedInPieces(r, text, 4);
        assertThat(flags & ResponseReader.DONE).isEqualTo(ResponseReader.DONE);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.closeAfter()).isTrue();
    }

    @Test
    void shouldEndABodyDelimitedByClose() {
        ResponseReader r = new ResponseReader();
        r.reset(true);
        int flags = feedInPieces(r, "HTTP/1.1 200 OK\r\n\r\ndata: a\n\ndata: [DONE]\n\n", 8);
        assertThat(flags & ResponseReader.DONE).isZero();
        assertThat(r.finishOnClose()).isEqualTo(ResponseReader.DONE);
        assertThat(r.dataLines()).isEqualTo(2);
        assertThat(r.terminated()).isTrue();
    }

    @Test
    void shouldRejectWhatIsNotAnHttpResponse() {
        for (String bad : new String[] {"SSH-2.0-OpenSSH\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
            ResponseReader r = new ResponseReader();
            r.reset(false);
            assertThat(feedInPieces(r, bad, 64) & ResponseReader.MALFORMED).as(bad).isEqualTo(ResponseReader.MALFORMED);
        }
    }
}
