package dev.sluice.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands an upstream connection's responses to the {@link Exchange} using it. Sits last in the upstream
 * pipeline: {@code [SslHandler] -> HttpClientCodec -> UpstreamHandler}. Between exchanges (idle in the pool) it
 * drops anything the provider sends. Confined to the channel's event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private Exchange exchange;
    private long idleSinceNanos;

    void attach(Exchange ex) {
        this.exchange = ex;
    }

    /** Notes when the connection went back to the idle pool. */
    void idleSince(long nanos) {
        idleSinceNanos = nanos;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    void detach(Exchange ex) {
        if (exchange == ex) {
            exchange = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Exchange ex = exchange;
        if (ex == null) {
            ReferenceCountUtil.release(msg);
            // A pooled connection that speaks out of turn is not safe to reuse.
            ctx.close();
            return;
        }
        ex.onUpstream(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        if (ex != null) {
            ex.onUpstreamReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = exchange;
        exchange = null;
        if (ex != null) {
            ex.onUpstreamClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Exchange ex = exchange;
        exchange = null;
        ctx.close();
        if (ex != null) {
            ex.onUpstreamClosed(cause);
        }
    }
}
