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
    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);
    /** Digits of the longest Content-Length accepted (below 2^63: no parser can overflow on it). */
    private static final int MAX_LENGTH_DIGITS = 18;
    private final int maxHeadBytes;
    private boolean awaitingHead = true;
    /** Whether the handlers were told that the awaited head has begun to arrive. */
    private boolean headSignalled;

    ClientRequestDecoder(HttpDecoderConfig config) {
        super(config);
        this.maxHeadBytes = config.getMaxInitialLineLength() + config.getMaxHeaderSize() + 4;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (awaitingHead) {
            if (!headSignalled && buffer.isReadable()) {
                // The header timeout runs from the head's first byte (ClientHandler, ClientTimeouts).
                headSignalled = true;
                ctx.fireUserEventTriggered(ClientHandler.HEAD_STARTED);
            }
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
                headSignalled = false;
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
        int lengths = 0;
        for (int i = start; i < end; i++) {
            if (buf.getByte(i) != '\n') {
                continue;
            }
            if (lineStart > start && isField(buf, lineStart, i, TRANSFER_ENCODING)
                    && !isExactlyChunked(buf, lineStart, i)) {
                return "Transfer-Encoding other than exactly 'chunked'";
            }
            // Checked on the raw lines: on HTTP/1.0, Netty's decoder folds repeated lengths into one before any
            // later check could count them.
            if (lineStart > start && isField(buf, lineStart, i, CONTENT_LENGTH)) {
                if (++lengths > 1) {
                    return "more than one Content-Length header";
                }
                if (!isLength(buf, lineStart + CONTENT_LENGTH.length, i)) {
                    return "invalid Content-Length";
                }
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

    /** Whether the line from {@code from} to {@code lf} is the field {@code name} (lower case, colon included). */
    private static boolean isField(ByteBuf buf, int from, int lf, byte[] name) {
        if (lf - from < name.length) {
            return false;
        }
        for (int j = 0; j < name.length; j++) {
            byte b = buf.getByte(from + j);
            if (b >= 'A' && b <= 'Z') {
                b += 'a' - 'A';
            }
            if (b != name[j]) {
                return false;
            }
        }
        return true;
    }

    /** The value from {@code v} to the line end is 1 to 18 digits, with optional spaces or tabs around them. */
    private static boolean isLength(ByteBuf buf, int v, int lf) {
        int end = lf > v && buf.getByte(lf - 1) == '\r' ? lf - 1 : lf;
        while (v < end && (buf.getByte(v) == ' ' || buf.getByte(v) == '\t')) {
            v++;
        }
        while (end > v && (buf.getByte(end - 1) == ' ' || buf.getByte(end - 1) == '\t')) {
            end--;
        }
        if (end == v || end - v > MAX_LENGTH_DIGITS) {
            return false;
        }
        for (int j = v; j < end; j++) {
            byte b = buf.getByte(j);
            if (b < '0' || b > '9') {
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
