package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client writer frames a chunked body itself ({@link ClientOut}): the bytes on the wire are exactly RFC 9112's
 * chunked coding of what was written, whatever the chunk sizes, a client's decoder reads the body back as written,
 * and the response encoder it passes by is ready for the next response on the connection.
 */
class ClientOutTest {
    private EmbeddedChannel channel;
    private ChannelHandlerContext ctx;

    @BeforeEach
    void setUp() {
        channel = new EmbeddedChannel(new HttpResponseEncoder(), new ChannelInboundHandlerAdapter());
        ctx = channel.pipeline().lastContext();
    }

    @AfterEach
    void tearDown() {
        channel.finishAndReleaseAll();
    }

    @Test
    void shouldFrameEveryChunkAsTheEncoderWouldAndLeaveItReadyForTheNextResponse() {
        int[] sizes = {0, 1, 15, 16, 255, 256, 4095, 4096, 4097, 70_000, 0, 3};
        Random random = new Random(12);
        ClientOut out = new ClientOut(ctx, () -> { });
        out.holdHead(chunkedHead(), 200);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        for (int n : sizes) {
            byte[] b = new byte[n];
            random.nextBytes(b);
            ByteBuf buf = ByteBufAllocator.DEFAULT.directBuffer(n + 8);
            buf.writeBytes(new byte[] {'x', 'y'}).writeBytes(b).writeByte('z');
            buf.readerIndex(2).writerIndex(2 + n);
            out.write(buf);
            assertThat(buf.refCnt()).as("the writer owns what it was given (%d bytes)", n)
                    .isEqualTo(n == 0 || n <= ClientOut.COPY_MAX_BYTES ? 0 : 1);
            body.writeBytes(b);
            if (n > 0) {
                expected.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                expected.writeBytes(b);
                expected.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        }
        out.end();
        expected.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] wire = drain();
        assertThat(wire).isEqualTo(expected.toByteArray());
        assertThat(decodedBody(wire)).isEqualTo(body.toByteArray());

        // The encoder was passed by, not left in the middle of a body: a whole answer goes through it next.
        channel.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.TOO_MANY_REQUESTS,
                Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII)));
        assertThat(new String(drain(), StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 429 Too Many Requests\r\n")
                .endsWith("\r\n\r\n{}");
    }

    @Test
    void shouldLeaveABodyOfKnownLengthAsItIs() {
        ClientOut out = new ClientOut(ctx, () -> { });
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        out.holdHead(head, 200);
        out.write(Unpooled.copiedBuffer("hel", StandardCharsets.US_ASCII));
        out.write(Unpooled.copiedBuffer("lo", StandardCharsets.US_ASCII));
        out.end();
        assertThat(new String(drain(), StandardCharsets.US_ASCII))
                .isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
    }

    private static HttpResponse chunkedHead() {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        return head;
    }

    /** Everything written to the wire so far, in order. */
    private byte[] drain() {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        for (Object m = channel.readOutbound(); m != null; m = channel.readOutbound()) {
            ByteBuf b = (ByteBuf) m;
            byte[] bytes = new byte[b.readableBytes()];
            b.getBytes(b.readerIndex(), bytes);
            wire.writeBytes(bytes);
            b.release();
        }
        return wire.toByteArray();
    }

    /** The body a client's decoder reads from {@code wire}. */
    private static byte[] decodedBody(byte[] wire) {
        EmbeddedChannel client = new EmbeddedChannel(new HttpResponseDecoder());
        try {
            client.writeInbound(Unpooled.wrappedBuffer(wire));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean ended = false;
            for (Object m = client.readInbound(); m != null; m = client.readInbound()) {
                assertThat(((HttpObject) m).decoderResult().isSuccess()).isTrue();
                if (m instanceof HttpContent) {
                    ByteBuf c = ((HttpContent) m).content();
                    byte[] bytes = new byte[c.readableBytes()];
                    c.getBytes(c.readerIndex(), bytes);
                    body.writeBytes(bytes);
                }
                ended |= m instanceof LastHttpContent;
                ReferenceCountUtil.release(m);
            }
            assertThat(ended).as("the body ends").isTrue();
            return body.toByteArray();
        } finally {
            client.finishAndReleaseAll();
        }
    }
}
