package dev.sluice.bench.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * The client socket of a benchmark: the outbound handler nearest the pipeline head, it counts what is written
 * and releases it at once instead of passing it on, so no buffer outlives its write. Sits as
 * {@code head <- ReleasingSink <- (the relay's context)}. Confined to the channel's event loop.
 */
public final class ReleasingSink extends ChannelOutboundHandlerAdapter {
    private long writes;
    private long bytes;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof ByteBuf) {
            bytes += ((ByteBuf) msg).readableBytes();
        }
        writes++;
        ReferenceCountUtil.release(msg);
        promise.trySuccess();
    }

    /** Messages written so far. */
    public long writes() {
        return writes;
    }

    /** Readable bytes of the buffers written so far. */
    public long bytes() {
        return bytes;
    }
}
