package dev.sluice.bench.load.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.bench.load.LoadError;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One keep-alive connection of a {@link Lane}: sends the shared request bytes, reads the response with a
 * {@link ResponseReader}, and reports the times to the lane. The only handler of its pipeline. Confined to the
 * lane's event loop.
 */
final class LoadConnection extends ChannelInboundHandlerAdapter {
    private final Lane lane;
    private final ResponseReader reader = new ResponseReader();
    private Channel channel;
    private boolean inFlight;
    private boolean closing;
    private long intendedNs;
    private long firstNs;
    private long responses;
    private long idleSinceNs;

    LoadConnection(Lane lane) {
        this.lane = requireNonNull(lane, "lane");
    }

    boolean inFlight() {
        return inFlight;
    }

    /** Marks the connection idle (pooled) from {@code nowNs}. */
    void idleSince(long nowNs) {
        idleSinceNs = nowNs;
    }

    long idleSinceNs() {
        return idleSinceNs;
    }

    /** Responses completed on this connection. */
    long responses() {
        return responses;
    }

    /** Sends the request; latency is measured from {@code intendedNs}. */
    void send(long intendedNs) {
        this.intendedNs = intendedNs;
        this.firstNs = 0;
        inFlight = true;
        reader.reset(lane.sse());
        lane.requestSent();
        channel.writeAndFlush(lane.request().retainedDuplicate(), channel.voidPromise());
    }

    /** Closes the connection; a request in flight is not reported (the lane counted it already). */
    void abandon() {
        if (inFlight) {
            inFlight = false;
            lane.requestEnded();
        }
        closing = true;
        channel.close();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        lane.connected(this);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (!inFlight) {
                fail(LoadError.PROTOCOL);
                return;
            }
            long nowNs = System.nanoTime();
            while (in.isReadable() && inFlight) {
                int flags = reader.feed(in);
                if ((flags & ResponseReader.MALFORMED) != 0) {
                    fail(LoadError.PROTOCOL);
                    return;
                }
                if ((flags & ResponseReader.FIRST) != 0 && firstNs == 0) {
                    firstNs = nowNs;
                }
                if ((flags & ResponseReader.DONE) != 0) {
                    if (in.isReadable()) {
                        // Bytes after the response we asked for: no pipelining here, so the framing is broken.
                        fail(LoadError.PROTOCOL);
                        return;
                    }
                    complete(nowNs);
                }
            }
        } finally {
            in.release();
        }
    }

    private void complete(long nowNs) {
        inFlight = false;
        responses++;
        boolean reusable = !reader.closeAfter() && !closing;
        if (!reusable) {
            closing = true;
        }
        lane.responded(this, intendedNs, firstNs, nowNs, reader.status(), streamOk(), reusable);
        if (!reusable) {
            channel.close();
        }
    }

    private boolean streamOk() {
        return !lane.sse() || reader.status() != 200 || reader.terminated();
    }

    private void fail(LoadError kind) {
        if (inFlight) {
            inFlight = false;
            lane.failed(kind);
        }
        closing = true;
        channel.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (inFlight) {
            if (reader.headersDone() && (reader.finishOnClose() & ResponseReader.DONE) != 0) {
                complete(System.nanoTime());
            } else {
                inFlight = false;
                lane.failed(LoadError.IO);
            }
        }
        lane.closed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Connection resets and the like: channelInactive reports the request in flight.
        ctx.close();
    }
}
