package dev.sluice.bench.compare.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One connection of the comparison's upstream, the only handler of its pipeline: finds a whole request (head and
 * {@code Content-Length} body) in the cumulated bytes, picks the {@link BenchModel} from the body's
 * {@code "model"} and {@code "stream"} members without parsing the JSON, and answers with pre-encoded bytes, at
 * once or paced by the event loop's scheduler. One request at a time; bytes of a next request wait until the
 * answer is out. Confined to the channel's event loop.
 */
public final class UpstreamConnection extends ByteToMessageDecoder implements Runnable {
    /** Request heads longer than this are refused (the connection is closed). */
    static final int MAX_HEAD_BYTES = 16384;

    private static final byte[] CONTENT_LENGTH = ascii("content-length:");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding:");
    private static final byte[] CONNECTION = ascii("connection:");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] MODEL = ascii("\"model\"");
    private static final byte[] STREAM = ascii("\"stream\"");
    private static final byte[] CHAT_PATH = ascii("/chat/completions");
    private static final byte[] GET = ascii("GET ");
    private static final byte[] POST = ascii("POST ");

    private final UpstreamResponses responses;
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean closeAfter;
    private BenchModel model;
    private boolean paced;
    private int nextPiece;

    public UpstreamConnection(UpstreamResponses responses) {
        this.responses = requireNonNull(responses, "responses");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (!busy && in.isReadable() && ctx.channel().isActive()) {
            if (!request(in)) {
                return;
            }
        }
    }

    /** Handles one request if it is whole; false when more bytes are needed. */
    private boolean request(ByteBuf in) {
        int start = in.readerIndex();
        int end = in.writerIndex();
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        int lineStart = start;
        int requestLineEnd = -1;
        int bodyStart = -1;
        while (lineStart < end) {
            int lf = in.indexOf(lineStart, end, (byte) '\n');
            if (lf < 0) {
                break;
            }
            int lineEnd = lf > lineStart && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
            if (requestLineEnd < 0) {
                requestLineEnd = lineEnd;
            } else if (lineEnd == lineStart) {
                bodyStart = lf + 1;
                break;
            } else if (startsWithIgnoreCase(in, lineStart, lineEnd, CONTENT_LENGTH)) {
                contentLength = digits(in, lineStart + CONTENT_LENGTH.length, lineEnd);
            } else if (startsWithIgnoreCase(in, lineStart, lineEnd, TRANSFER_ENCODING)) {
                chunked = true;
            } else if (startsWithIgnoreCase(in, lineStart, lineEnd, CONNECTION)) {
                close |= indexOf(in, lineStart + CONNECTION.length, lineEnd, CLOSE, true) >= 0;
            }
            lineStart = lf + 1;
        }
        if (bodyStart < 0) {
            if (end - start > MAX_HEAD_BYTES) {
                in.skipBytes(in.readableBytes());
                ctx.close();
            }
            return false;
        }
        if (chunked) {
            // Every peer forwards the client's Content-Length; a chunked body is not worth decoding here.
            in.skipBytes(in.readableBytes());
            closeAfter = true;
            finish(responses.notImplemented());
            return false;
        }
        long length = Math.max(0, contentLength);
        if (end - bodyStart < length) {
            return false;
        }
        int bodyEnd = bodyStart + (int) length;
        in.readerIndex(bodyEnd);
        closeAfter = close;
        if (startsWith(in, start, requestLineEnd, GET)) {
            finish(responses.health());
            return true;
        }
        if (!startsWith(in, start, requestLineEnd, POST) || !pathIsChat(in, start, requestLineEnd)) {
            finish(responses.notFound());
            return true;
        }
        BenchModel m = model(in, bodyStart, bodyEnd);
        if (m == null) {
            finish(responses.unknownModel());
            return true;
        }
        answer(m, streamRequested(in, bodyStart, bodyEnd));
        return true;
    }

    private void answer(BenchModel m, boolean stream) {
        model = m;
        if (!stream) {
            if (m.latencyMs() == 0) {
                finish(responses.json(m));
            } else {
                busy = true;
                paced = false;
                ctx.executor().schedule(this, m.latencyMs(), TimeUnit.MILLISECONDS);
            }
        } else if (m.firstChunkMs() == 0 && m.chunkGapMs() == 0) {
            finish(responses.stream(m));
        } else {
            busy = true;
            paced = true;
            nextPiece = 0;
            ctx.executor().schedule(this, m.firstChunkMs(), TimeUnit.MILLISECONDS);
        }
    }

    /** The delayed part of an answer: the late JSON, or the next piece of a paced stream. */
    @Override
    public void run() {
        if (!ctx.channel().isActive()) {
            busy = false;
            return;
        }
        if (!paced) {
            done(responses.json(model));
            return;
        }
        ByteBuf[] pieces = responses.pieces(model);
        if (nextPiece == 0) {
            ctx.write(responses.streamHead().retainedDuplicate(), ctx.voidPromise());
        }
        ByteBuf piece = pieces[nextPiece++];
        if (nextPiece == pieces.length) {
            done(piece);
            return;
        }
        ctx.writeAndFlush(piece.retainedDuplicate(), ctx.voidPromise());
        if (model.chunkGapMs() == 0) {
            run();
        } else {
            ctx.executor().schedule(this, model.chunkGapMs(), TimeUnit.MILLISECONDS);
        }
    }

    private void done(ByteBuf last) {
        busy = false;
        finish(last);
        if (ctx.channel().isActive() && internalBuffer().isReadable()) {
            // A request arrived while this one was answered: decode it now.
            ctx.pipeline().fireChannelRead(Unpooled.EMPTY_BUFFER);
        }
    }

    private void finish(ByteBuf response) {
        ctx.writeAndFlush(response.retainedDuplicate(), ctx.voidPromise());
        if (closeAfter) {
            ctx.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private static boolean pathIsChat(ByteBuf in, int from, int to) {
        int sp1 = in.indexOf(from, to, (byte) ' ');
        int sp2 = sp1 < 0 ? -1 : in.indexOf(sp1 + 1, to, (byte) ' ');
        if (sp2 < 0) {
            return false;
        }
        int q = in.indexOf(sp1 + 1, sp2, (byte) '?');
        int pathEnd = q < 0 ? sp2 : q;
        return pathEnd - CHAT_PATH.length > sp1 && indexOf(in, pathEnd - CHAT_PATH.length, pathEnd, CHAT_PATH, false)
                == pathEnd - CHAT_PATH.length;
    }

    /** The model named by the body's first {@code "model": "..."}, or null. */
    static BenchModel model(ByteBuf in, int from, int to) {
        int at = indexOf(in, from, to, MODEL, false);
        if (at < 0) {
            return null;
        }
        int i = skipToValue(in, at + MODEL.length, to);
        if (i < 0 || i >= to || in.getByte(i) != '"') {
            return null;
        }
        int nameStart = i + 1;
        int nameEnd = in.indexOf(nameStart, to, (byte) '"');
        if (nameEnd < 0) {
            return null;
        }
        for (BenchModel m : BenchModel.values()) {
            byte[] id = m.idBytes();
            if (id.length == nameEnd - nameStart && indexOf(in, nameStart, nameEnd, id, false) == nameStart) {
                return m;
            }
        }
        return null;
    }

    /** True when the body has {@code "stream": true}. */
    static boolean streamRequested(ByteBuf in, int from, int to) {
        int at = indexOf(in, from, to, STREAM, false);
        if (at < 0) {
            return false;
        }
        int i = skipToValue(in, at + STREAM.length, to);
        return i >= 0 && i < to && in.getByte(i) == 't';
    }

    /** Skips blanks, the colon and blanks after a member name; the index of the value, or -1. */
    private static int skipToValue(ByteBuf in, int i, int to) {
        boolean colon = false;
        for (; i < to; i++) {
            byte b = in.getByte(i);
            if (b == ':' && !colon) {
                colon = true;
            } else if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return colon ? i : -1;
            }
        }
        return -1;
    }

    private static long digits(ByteBuf in, int from, int to) {
        long v = -1;
        for (int i = from; i < to; i++) {
            byte b = in.getByte(i);
            if (b >= '0' && b <= '9') {
                v = (v < 0 ? 0 : v * 10) + (b - '0');
            }
        }
        return v;
    }

    private static boolean startsWith(ByteBuf in, int from, int to, byte[] prefix) {
        return to - from >= prefix.length && indexOf(in, from, from + prefix.length, prefix, false) == from;
    }

    private static boolean startsWithIgnoreCase(ByteBuf in, int from, int to, byte[] lowerPrefix) {
        return to - from >= lowerPrefix.length && indexOf(in, from, from + lowerPrefix.length, lowerPrefix, true)
                == from;
    }

    /** The first index of {@code needle} in {@code in[from, to)}, or -1; {@code ignoreCase} for ASCII letters. */
    static int indexOf(ByteBuf in, int from, int to, byte[] needle, boolean ignoreCase) {
        byte first = needle[0];
        int last = to - needle.length;
        for (int i = from; i <= last; i++) {
            if (ignoreCase) {
                if (lower(in.getByte(i)) != first) {
                    continue;
                }
            } else {
                i = in.indexOf(i, last + 1, first);
                if (i < 0) {
                    return -1;
                }
            }
            int j = 1;
            while (j < needle.length && (ignoreCase ? lower(in.getByte(i + j)) : in.getByte(i + j)) == needle[j]) {
                j++;
            }
            if (j == needle.length) {
                return i;
            }
        }
        return -1;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
