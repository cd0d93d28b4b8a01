package dev.sluice.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Netty's request decoder plus the checks that need the header block's raw bytes, before the decoder normalises
 * them away: obsolete line folding (a continuation line can hide a {@code Transfer-Encoding} from the gateway
 * while a front proxy sees it) and a {@code Transfer-Encoding} value with anything around {@code chunked}
 * (RELIABILITY.md A2). Such a request becomes one whose decoder result is a failure, which the
 * {@link ClientHandler} answers with 400 and a close. Sits first in the client pipeline:
 * {@code ClientRequestDecoder -> HttpResponseEncoder -> ClientHandler}. Confined to the channel's event loop.
 */
final class ClientRequestDecoder extends HttpRequestDecoder {
    private static final byte[] TRANSFER_ENCODING = "transfer-encoding:".getBytes(StandardCharsets.US_ASCII);
    private final int maxHeadBytes;
    private boolean awaitingHead = true;

    ClientRequestDecoder(HttpDecoderConfig config) {
        super(config);
        this.maxHeadBytes = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (awaitingHead) {
            String problem = rawHeadProblem(buffer, maxHeadBytes);
            if (problem != null) {
                buffer.skipBytes(buffer.readableBytes());
                DefaultFullHttpRequest bad = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad",
                        Unpooled.EMPTY_BUFFER);
                bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(problem)));
                out.add(bad);
                awaitingHead = false;
                return;
            }
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            Object m = out.get(i);
            if (m instanceof LastHttpContent) {
                awaitingHead = true;
            } else if (m instanceof HttpRequest) {
                awaitingHead = false;
            }
        }
    }

    /**
     * Scans the head at the start of {@code buf} (up to the blank line that ends it, or what has arrived) and
     * returns what makes it ambiguous, or {@code null}.
     */
    static String rawHeadProblem(ByteBuf buf, int maxHeadBytes) {
        int start = buf.readerIndex();
        int end = Math.min(buf.writerIndex(), start + maxHeadBytes);
        int lineStart = start;
        for (int i = start; i < end; i++) {
            if (buf.getByte(i) != '\n') {
                continue;
            }
            if (lineStart > start && isTransferEncoding(buf, lineStart, i) && !isExactlyChunked(buf, lineStart, i)) {
                return "Transfer-Encoding other than exactly 'chunked'";
            }
            if (i + 1 >= end) {
                return null;
            }
            byte next = buf.getByte(i + 1);
            if (next == '\r' || next == '\n') {
                return null; // the blank line: end of the head
            }
            if (next == ' ' || next == '\t') {
                return "obsolete line folding in the header block";
            }
            lineStart = i + 1;
        }
        return null;
    }

    private static boolean isTransferEncoding(ByteBuf buf, int from, int lf) {
        if (lf - from < TRANSFER_ENCODING.length) {
            return false;
        }
        for (int j = 0; j < TRANSFER_ENCODING.length; j++) {
            byte b = buf.getByte(from + j);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != TRANSFER_ENCODING[j]) {
                return false;
            }
        }
        return true;
    }

    /** The value between the colon and CR LF is "chunked", optionally after one space. */
    private static boolean isExactlyChunked(ByteBuf buf, int from, int lf) {
        int v = from + TRANSFER_ENCODING.length;
        int valueEnd = lf > 0 && buf.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        if (v < valueEnd && buf.getByte(v) == ' ') {
            v++;
        }
        String chunked = "chunked";
        if (valueEnd - v != chunked.length()) {
            return false;
        }
        for (int j = 0; j < chunked.length(); j++) {
            if (buf.getByte(v + j) != chunked.charAt(j)) {
                return false;
            }
        }
        return true;
    }
}
