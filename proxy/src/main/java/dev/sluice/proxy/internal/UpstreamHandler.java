package dev.sluice.proxy.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Hands an upstream connection's responses to the {@link Attempt} using it. Sits last in the upstream
 * pipeline: {@code [SslHandler] -> HttpClientCodec -> UpstreamHandler}. Between exchanges (idle in the pool) it
 * drops anything the provider sends. Confined to the channel's event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private Attempt attempt;
    private long idleSinceNs;

    void attach(Attempt a) {
        this.attempt = a;
    }

    /** Notes when the connection went back to the idle pool. */
    void idleSince(long nanos) {
        idleSinceNs = nanos;
    }

    long idleSinceNs() {
        return idleSinceNs;
    }

    void detach(Attempt a) {
        if (attempt == a) {
            attempt = null;
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Attempt a = attempt;
        if (a == null) {
            ReferenceCountUtil.release(msg);
            // A pooled connection that speaks out of turn is not safe to reuse.
            ctx.close();
            return;
        }
        a.onRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Attempt a = attempt;
        if (a != null) {
            a.onReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Attempt a = attempt;
        attempt = null;
        if (a != null) {
            a.onClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Attempt a = attempt;
        attempt = null;
        ctx.close();
        if (a != null) {
            a.onClosed(cause);
        }
    }
}
