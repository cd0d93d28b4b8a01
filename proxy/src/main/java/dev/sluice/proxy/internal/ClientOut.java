package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Everything one request writes to its client, in one place: the response head, held from the provider's head
 * until the first body bytes are about to follow ("the commit"), the body, its end, and the flush. Writes are not
 * flushed one by one: {@link #flushIfWritten()} flushes once per upstream read, and only when something was
 * written since the last flush; a captured answer ({@link ContentCapture}) is appended to the journal at the same
 * pace, one part per read.
 * <p>
 * Confined to the client channel's event loop.
 */
public final class ClientOut {
    private final ChannelHandlerContext ctx;
    private final Runnable onCommit;
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
        ctx.write(buf, ctx.voidPromise());
        written = true;
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
