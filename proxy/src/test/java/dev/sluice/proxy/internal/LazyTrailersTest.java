package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.routing.config.ClientLimits;
import dev.sluice.routing.config.ServerSettings;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The decoders' trailer maps ({@link LazyTrailers}): a message without trailers ends with an empty map that was never
 * built, and trailer fields that do arrive are all there, read back as Netty's own map reads them.
 */
class LazyTrailersTest {
    private static final ServerSettings SERVER = new ServerSettings("127.0.0.1", 0, 0, 1,
            ServerSettings.DEFAULT_MAX_BODY_BYTES, ServerSettings.DEFAULT_MAX_HEADER_BYTES,
            ServerSettings.DEFAULT_MAX_REQUEST_LINE_BYTES, ServerSettings.DEFAULT_JOURNAL_RING_BYTES,
            ServerSettings.JOURNAL_DIRECT, 0, 0, 0, 0, ClientLimits.DEFAULTS, null);

    @Test
    void shouldEndABodyOfKnownLengthWithAnEmptyMapAndKeepEveryTrailerOfAChunkedOne() {
        EmbeddedChannel ch = new EmbeddedChannel(ClientHandler.newDecoder(SERVER));
        try {
            List<HttpObject> known = decode(ch, "POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\n"
                    + "content-length: 2\r\n\r\n{}");
            HttpHeaders none = last(known).trailingHeaders();
            assertThat(none).isInstanceOf(LazyTrailers.class);
            assertThat(none.isEmpty()).isTrue();
            assertThat(none.size()).isZero();
            assertThat(none.get("x-anything")).isNull();
            assertThat(none.entries()).isEmpty();
            assertThat(none.iterator().hasNext()).isFalse();
            assertThat(none.iteratorCharSequence().hasNext()).isFalse();
            assertThat(none.names()).isEmpty();

            List<HttpObject> chunked = decode(ch, "POST /v1/chat/completions HTTP/1.1\r\nhost: a\r\n"
                    + "transfer-encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nx-checksum: abc\r\nx-more: 1\r\n"
                    + "x-more: 2\r\n\r\n");
            assertThat(chunked.get(0)).isInstanceOf(HttpRequest.class);
            HttpHeaders some = last(chunked).trailingHeaders();
            assertThat(some.isEmpty()).isFalse();
            assertThat(some.size()).isEqualTo(3);
            assertThat(some.get("X-Checksum")).isEqualTo("abc");
            assertThat(some.getAll("x-more")).containsExactly("1", "2");
            assertThat(some.contains("x-more", "2", false)).isTrue();
            assertThat(some.names()).containsExactlyInAnyOrder("x-checksum", "x-more");
            assertThat(some.entries()).extracting(Map.Entry::getKey)
                    .containsExactly("x-checksum", "x-more", "x-more");
            assertThat(some.copy().getAll("x-more")).containsExactly("1", "2");
            some.remove("x-more");
            assertThat(some.size()).isEqualTo(1);
            some.clear();
            assertThat(some.isEmpty()).isTrue();
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void shouldWriteThroughToAMapMadeOnTheFirstWrite() {
        HttpHeaders h = LazyTrailers.FACTORY.newHeaders();
        assertThat(h.copy().isEmpty()).isTrue();
        h.remove("x-a").clear();
        h.add("x-a", "1").addInt("x-b", 2).setShort("x-c", (short) 3).set("x-d", List.of("4", "5"));
        assertThat(h.get("x-a")).isEqualTo("1");
        assertThat(h.getInt("x-b")).isEqualTo(2);
        assertThat(h.getShort("x-c")).isEqualTo((short) 3);
        assertThat(h.getAll("x-d")).containsExactly("4", "5");
        assertThat(h.size()).isEqualTo(5);
    }

    @Test
    void shouldGiveTheProvidersAnswersTheSameTrailers() {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpClientCodec(UpstreamPool.answerDecoder(), false, false));
        try {
            List<HttpObject> known = decode(ch, "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
            assertThat(last(known).trailingHeaders()).isInstanceOf(LazyTrailers.class);
            assertThat(last(known).trailingHeaders().isEmpty()).isTrue();
            List<HttpObject> chunked = decode(ch, "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
                    + "2\r\n{}\r\n0\r\nx-served-by: b\r\n\r\n");
            assertThat(last(chunked).trailingHeaders().get("x-served-by")).isEqualTo("b");
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    private static List<HttpObject> decode(EmbeddedChannel ch, String bytes) {
        ch.writeInbound(Unpooled.copiedBuffer(bytes, StandardCharsets.US_ASCII));
        List<HttpObject> out = new ArrayList<>();
        for (Object m = ch.readInbound(); m != null; m = ch.readInbound()) {
            out.add((HttpObject) m);
            ReferenceCountUtil.release(m);
        }
        assertThat(out).isNotEmpty();
        assertThat(out.get(0).decoderResult().isSuccess()).as("%s", out.get(0)).isTrue();
        return out;
    }

    private static LastHttpContent last(List<HttpObject> messages) {
        HttpObject m = messages.get(messages.size() - 1);
        assertThat(m).isInstanceOf(LastHttpContent.class);
        return (LastHttpContent) m;
    }
}
