package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;

import java.nio.charset.StandardCharsets;

/**
 * Everything one request writes to its client, in one place: the response head, held from the provider's head
 * until the first body bytes are about to follow ("the commit"), the body, its end, and the flush. Writes are not
 * flushed one by one: {@link #flushIfWritten()} flushes once per upstream read, and only when something was
 * written since the last flush; a captured answer ({@link ContentCapture}) is appended to the journal at the same
 * pace, one part per read.
 * <p>
 * A chunked body is framed here, not by Netty's response encoder: the encoder makes three messages of every chunk
 * (its size line, in a buffer of its own, the content and a shared CR LF), each one more entry in the channel's
 * outbound buffer. Here a chunk of up to {@value #COPY_MAX_BYTES} bytes (every SSE read) is one buffer with its
 * framing, and the read it came from is released at once; a longer one is a size line, the content itself and the
 * CR LF. These chunks are written from the encoder's context, so they pass it by; the head and the body's end still
 * go through it, which keeps its state right for the next response on the connection.
 * <p>
 * Confined to the client channel's event loop.
 */
public final class ClientOut {
    /** The longest chunk copied into one buffer with its framing. */
    static final int COPY_MAX_BYTES = 4096;
    private static final ByteBuf CRLF = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(2).writeByte('\r').writeByte('\n')).asReadOnly();
    private static final int CRLF_SHORT = ('\r' << 8) | '\n';
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private final ChannelHandlerContext ctx;
    private final Runnable onCommit;
    /** Where chunks this writer frames itself go (past the response encoder); null while the body is not chunked. */
    private ChannelHandlerContext chunks;
    private HttpResponse pendingHead;
    private int status;
    private boolean committed;
    private boolean written;
    /** Reads what goes to the client for the journal; null when the answer is not captured. */
    private ContentCapture capture;

    /** Writes to the client through {@code ctx}; {@code onCommit} runs when the response head goes out. */
    public ClientOut(ChannelHandlerContext ctx, Runnable onCommit) {
        this.ctx = requireNonNull(ctx, "ctx");
        this.onCommit = requireNonNull(onCommit, "onCommit");
    }

    /** From now on, every body byte written is shown to {@code capture} first. */
    public void capture(ContentCapture capture) {
        this.capture = capture;
    }

    public ByteBufAllocator alloc() {
        return ctx.alloc();
    }

    /** Whether the client connection is still open. */
    boolean active() {
        return ctx.channel().isActive();
    }

    /** Whether the client's outbound buffer has room (backpressure on the provider's reads). */
    boolean writable() {
        return ctx.channel().isWritable();
    }

    /** Holds {@code head} (of {@code status}) until the commit; replaces a head held before (a failed attempt's). */
    void holdHead(HttpResponse head, int status) {
        pendingHead = head;
        this.status = status;
    }

    /** The status of the response the client gets (or got): the held head's, or an answer the gateway built. */
    int status() {
        return status;
    }

    /** Notes the status of an answer the gateway builds itself ({@link ClientResponses}). */
    void status(int status) {
        this.status = status;
    }

    /** Drops a held head: the attempt that produced it failed before the commit. */
    void dropHead() {
        pendingHead = null;
    }

    /** Sets the length of the held head's body (a body rewritten whole, known only at its end). */
    void contentLength(int bytes) {
        pendingHead.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes);
    }

    /** Writes the held head: the first body bytes are about to follow. Returns false when it was written already. */
    boolean commit() {
        if (committed) {
            return false;
        }
        committed = true;
        HttpResponse head = pendingHead;
        pendingHead = null;
        if (HttpUtil.isTransferEncodingChunked(head)) {
            // Null where no encoder sits in front (a test's pipeline): the encoder frames the chunks then.
            chunks = ctx.pipeline().context(HttpResponseEncoder.class);
        }
        ctx.write(head, ctx.voidPromise());
        written = true;
        onCommit.run();
        return true;
    }

    boolean committed() {
        return committed;
    }

    /** Writes body bytes (not flushed), committing the head first if needed; takes ownership of {@code buf}. */
    public void write(ByteBuf buf) {
        if (!committed && pendingHead != null) {
            commit();
        }
        if (capture != null) {
            capture.onRelayed(buf);
        }
        if (chunks != null) {
            writeChunk(buf);
        } else {
            ctx.write(buf, ctx.voidPromise());
        }
        written = true;
    }

    /** Writes {@code buf} as one chunk of the body (RFC 9112 7.1), framed here; takes ownership of {@code buf}. */
    private void writeChunk(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n == 0) {
            // A chunk of size 0 is the body's end: an empty write is no chunk at all.
            buf.release();
            return;
        }
        int hexDigits = (Integer.SIZE - Integer.numberOfLeadingZeros(n) + 3) >>> 2;
        if (n <= COPY_MAX_BYTES) {
            ByteBuf framed = ctx.alloc().directBuffer(hexDigits + 2 + n + 2);
            writeSizeLine(framed, n, hexDigits);
            framed.writeBytes(buf, buf.readerIndex(), n);
            framed.writeShort(CRLF_SHORT);
            buf.release();
            chunks.write(framed, chunks.voidPromise());
        } else {
            ByteBuf sizeLine = ctx.alloc().directBuffer(hexDigits + 2);
            writeSizeLine(sizeLine, n, hexDigits);
            chunks.write(sizeLine, chunks.voidPromise());
            chunks.write(buf, chunks.voidPromise());
            chunks.write(CRLF.duplicate(), chunks.voidPromise());
        }
    }

    private static void writeSizeLine(ByteBuf out, int n, int hexDigits) {
        for (int shift = (hexDigits - 1) * 4; shift >= 0; shift -= 4) {
            out.writeByte(HEX[(n >>> shift) & 0xf]);
        }
        out.writeShort(CRLF_SHORT);
    }

    /** Returns whether anything was written since the last call, and clears that mark. */
    public boolean takeWritten() {
        boolean w = written;
        written = false;
        return w;
    }

    /** Flushes when anything was written since the last flush. */
    void flushIfWritten() {
        if (takeWritten()) {
            if (capture != null) {
                // Into the journal before the bytes leave: a crash cannot lose a part its client saw.
                capture.flushPart();
            }
            ctx.flush();
        }
    }

    void flush() {
        written = false;
        ctx.flush();
    }

    /** Ends the response body (committing the head first if needed) and flushes. */
    void end() {
        if (!committed && pendingHead != null) {
            commit();
        }
        written = false;
        ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT, ctx.voidPromise());
    }

    /** The context, for answers the gateway builds whole ({@link ClientResponses}). */
    ChannelHandlerContext ctx() {
        return ctx;
    }
}
