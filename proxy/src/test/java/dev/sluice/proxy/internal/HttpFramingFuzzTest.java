package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sluice.routing.config.ClientLimits;
import dev.sluice.routing.config.ServerSettings;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Coverage-guided fuzzing of the client listener's HTTP/1 framing (RELIABILITY.md A9): raw bytes, cut anywhere,
 * through the gateway's request decoder and {@link FramingRules}. Every request the gateway would accept, framed
 * again the one way the gateway frames what it sends (a Content-Length, never the client's framing), parses back to
 * exactly one request equal to it; nothing throws; every buffer is released (the suite runs with paranoid leak
 * detection).
 */
class HttpFramingFuzzTest {
    private static final ServerSettings SERVER = new ServerSettings("127.0.0.1", 0, 0, 1,
            ServerSettings.DEFAULT_MAX_BODY_BYTES, ServerSettings.DEFAULT_MAX_HEADER_BYTES,
            ServerSettings.DEFAULT_MAX_REQUEST_LINE_BYTES, ServerSettings.DEFAULT_JOURNAL_RING_BYTES,
            ServerSettings.JOURNAL_DIRECT, 0, 0, 0, 0, ClientLimits.DEFAULTS, null);

    /** One request as the gateway accepted it: its head and its whole body. */
    private record Accepted(HttpRequest head, byte[] body) {
    }

    @FuzzTest(maxDuration = "20s")
    void decode(FuzzedDataProvider data) {
        int cut = data.consumeInt(0, 1 << 12);
        byte[] raw = data.consumeRemainingAsBytes();
        cut = Math.min(cut, raw.length);
        List<Accepted> accepted = decode(Unpooled.wrappedBuffer(raw, 0, cut),
                Unpooled.wrappedBuffer(raw, cut, raw.length - cut));
        for (Accepted a : accepted) {
            List<Accepted> again = decode(reframe(a), Unpooled.EMPTY_BUFFER);
            assertThat(again).as("re-framed request").hasSize(1);
            Accepted b = again.get(0);
            assertThat(b.head().method()).isEqualTo(a.head().method());
            assertThat(b.head().uri()).isEqualTo(asEncoded(a.head().uri()));
            assertThat(b.body()).isEqualTo(a.body());
            assertThat(fields(b.head())).isEqualTo(fields(a.head()));
        }
    }

    /** The requests in {@code first} then {@code second} that pass the decoder and the framing rules, in order. */
    private static List<Accepted> decode(ByteBuf first, ByteBuf second) {
        EmbeddedChannel ch = new EmbeddedChannel(ClientHandler.newDecoder(SERVER));
        List<Accepted> out = new ArrayList<>();
        try {
            ch.writeInbound(first);
            ch.writeInbound(second);
            HttpRequest head = null;
            ByteBuf body = Unpooled.buffer();
            boolean ok = false;
            Object m;
            while ((m = ch.readInbound()) != null) {
                try {
                    if (m instanceof HttpRequest) {
                        head = (HttpRequest) m;
                        ok = head.decoderResult().isSuccess() && FramingRules.violation(head) == null;
                        body.clear();
                    }
                    if (m instanceof HttpContent) {
                        HttpContent c = (HttpContent) m;
                        ok &= c.decoderResult().isSuccess();
                        body.writeBytes(c.content(), c.content().readerIndex(), c.content().readableBytes());
                        if (m instanceof LastHttpContent) {
                            ok &= ((LastHttpContent) m).trailingHeaders().isEmpty();
                            if (ok && head != null) {
                                byte[] b = new byte[body.readableBytes()];
                                body.getBytes(body.readerIndex(), b);
                                out.add(new Accepted(head, b));
                            }
                            head = null;
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(m);
                }
            }
            body.release();
        } finally {
            ch.finishAndReleaseAll();
        }
        return out;
    }

    /** {@code a} framed as the gateway frames a request it sends: its fields, a Content-Length, its body. */
    private static ByteBuf reframe(Accepted a) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, a.head().method(), a.head().uri(),
                Unpooled.wrappedBuffer(a.body()));
        req.headers().set(a.head().headers());
        req.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
        req.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, a.body().length);
        EmbeddedChannel enc = new EmbeddedChannel(new HttpRequestEncoder());
        try {
            enc.writeOutbound(req);
            ByteBuf all = Unpooled.buffer();
            ByteBuf part;
            while ((part = enc.readOutbound()) != null) {
                all.writeBytes(part);
                part.release();
            }
            return all;
        } finally {
            enc.finishAndReleaseAll();
        }
    }

    /**
     * {@code uri} as Netty's request encoder writes it: an absolute-form target without a path ({@code http://h} or
     * {@code http://h?q}) gets the path {@code /}, an empty one becomes {@code /}. The gateway never forwards a
     * client's target (it writes the provider's path), so this is the encoder's rule, not a change of meaning.
     */
    private static String asEncoded(String uri) {
        if (uri.isEmpty()) {
            return "/";
        }
        int start = uri.indexOf("://");
        if (start < 0 || uri.charAt(0) == '/') {
            return uri;
        }
        start += 3;
        int query = uri.indexOf('?', start);
        if (query < 0) {
            return uri.lastIndexOf('/') < start ? uri + '/' : uri;
        }
        return uri.lastIndexOf('/', query) < start ? uri.substring(0, query) + '/' + uri.substring(query) : uri;
    }

    /** The header fields but the framing ones (which the re-framing replaces). */
    private static List<Map.Entry<String, String>> fields(HttpRequest r) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (Map.Entry<String, String> e : r.headers()) {
            String name = e.getKey();
            if (!name.equalsIgnoreCase("content-length") && !name.equalsIgnoreCase("transfer-encoding")) {
                out.add(Map.entry(name.toLowerCase(Locale.ROOT), e.getValue()));
            }
        }
        return out;
    }
}
