package dev.sluice.proxy.internal;

import dev.sluice.codec.RequestFacts;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.Shadow;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shadow traffic: copies of a sampled share of a model alias's live requests sent to its shadow target
 * ({@code models.<alias>.shadow}), never delaying or changing the client's answer. A copy goes through the
 * gateway's own client listener over loopback, so it is routed, translated, admitted (against its declaration's
 * budget only), relayed and journaled like any request; its answer is read and dropped. What makes it a shadow is
 * a one-time ticket in the {@code x-sluice-shadow} header: a secret of this process and a ticket number, which
 * the listener redeems for the primary's principal, tags and agent, from loopback peers only. A forged, replayed
 * or foreign header is answered as a bad key.
 * <p>
 * A copy is not sent while the gateway is shedding load or near its in-flight cap, nor when the client listener
 * speaks TLS (the loopback client does not). A shadow failure reaches no client: the copy's connection is its own.
 * <p>
 * Thread-safe: {@link #send} on an event loop, {@link #redeem} on another.
 */
public final class Shadows {
    /** The header a shadow copy carries its ticket in. */
    static final AsciiString HEADER = AsciiString.cached("x-sluice-shadow");
    /** How long a copy's loopback connection may live at most, whatever the gateway's own timeouts say. */
    static final long MAX_COPY_MS = TimeUnit.MINUTES.toMillis(10);
    private static final int CONNECT_TIMEOUT_MS = 1_000;

    /** What a ticket stands for: the primary request's principal, tags and agent, and the declaration. */
    record Ticket(long primaryId, ApiKey key, String project, Shadow shadow, String agent, String agentVersion,
                  String agentLabel) {
    }

    private final String secret;
    private final byte[] secretBytes;
    private final AtomicLong tickets = new AtomicLong();
    private final ConcurrentHashMap<Long, Ticket> open = new ConcurrentHashMap<>();
    private final GatewayMetrics metrics;
    private volatile InetSocketAddress listener;

    /** Counts its copies in {@code metrics} ({@code sluice_shadow_copies_total}). */
    public Shadows(GatewayMetrics metrics) {
        this.metrics = metrics;
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        secret = HexFormat.of().formatHex(b);
        secretBytes = secret.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Where copies are sent: the client listener's bound address (its loopback address when it listens on every
     * interface), or null while copies are off (a TLS listener).
     */
    public void listener(InetSocketAddress bound) {
        if (bound == null) {
            listener = null;
            return;
        }
        InetAddress a = bound.getAddress();
        listener = a == null || a.isAnyLocalAddress()
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), bound.getPort()) : bound;
    }

    /** Whether a request to an alias with {@code shadow} is drawn for a copy. */
    static boolean draw(Shadow shadow) {
        return shadow.sample() >= 1 || ThreadLocalRandom.current().nextDouble() < shadow.sample();
    }

    /**
     * Sends a copy of request {@code info} (body {@code body}, its facts {@code facts}) to {@code shadow}'s target.
     * Called on the request's event loop after its own first attempt started; returns at once.
     */
    void send(LoopResources res, LoadControl load, int maxInFlight, RequestInfo info, ByteBuf body,
              RequestFacts facts, Shadow shadow) {
        InetSocketAddress to = listener;
        if (to == null || load.inFlight() * 2 > maxInFlight || load.memoryShort() != null) {
            metrics.shadowCopy(false);
            return;
        }
        byte[] copy = copyFor(body, facts, shadow.target());
        if (copy == null) {
            metrics.shadowCopy(false);
            return;
        }
        long id = tickets.incrementAndGet();
        open.put(id, new Ticket(info.requestId, info.key, info.project, shadow, info.agent, info.agentVersion,
                info.agentLabel));
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, info.endpoint.path(),
                Unpooled.wrappedBuffer(copy));
        HttpHeaders h = req.headers();
        h.set(HttpHeaderNames.HOST, "sluice-shadow");
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, copy.length);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        h.set(HEADER, secret + "." + id);
        for (String name : new String[] {"anthropic-version", "anthropic-beta"}) {
            String v = info.headers.get(name);
            if (v != null) {
                h.set(name, v);
            }
        }
        ChannelFuture f = res.upstreams.plainBootstrap()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpClientCodec(), new Drain());
                    }
                }).connect(to);
        Channel ch = f.channel();
        ch.closeFuture().addListener(c -> open.remove(id));
        f.addListener(c -> {
            if (!c.isSuccess()) {
                ReferenceCountUtil.release(req);
                metrics.shadowCopy(false);
                return;
            }
            metrics.shadowCopy(true);
            ch.writeAndFlush(req, ch.voidPromise());
            ScheduledFuture<?> cap = ch.eventLoop().schedule(() -> ch.close(), MAX_COPY_MS, TimeUnit.MILLISECONDS);
            ch.closeFuture().addListener(x -> cap.cancel(false));
        });
    }

    /** The body with its model replaced by {@code target}; null when the model is not a plain JSON string. */
    private static byte[] copyFor(ByteBuf body, RequestFacts f, String target) {
        if (f.modelStart < 0 || f.modelHasEscape) {
            return null;
        }
        int from = body.readerIndex();
        byte[] t = target.getBytes(StandardCharsets.UTF_8);
        int before = f.modelStart - from;
        int after = body.writerIndex() - f.modelEnd;
        byte[] out = new byte[before + t.length + after];
        body.getBytes(from, out, 0, before);
        System.arraycopy(t, 0, out, before, t.length);
        body.getBytes(f.modelEnd, out, before + t.length, after);
        return out;
    }

    /**
     * Redeems the ticket in header value {@code value} from a peer at {@code peer}: the ticket once, or null when
     * the value is not this process's, was used already, or the peer is not on loopback.
     */
    Ticket redeem(String value, InetAddress peer) {
        if (value == null || peer == null || !peer.isLoopbackAddress()) {
            return null;
        }
        int dot = value.indexOf('.');
        if (dot != secret.length() || !MessageDigest.isEqual(value.substring(0, dot).getBytes(
                StandardCharsets.US_ASCII), secretBytes)) {
            return null;
        }
        long id;
        try {
            id = Long.parseLong(value.substring(dot + 1));
        } catch (NumberFormatException e) {
            return null;
        }
        return open.remove(id);
    }

    /** Reads a copy's answer and drops it; closes when it ends or fails. */
    private static final class Drain extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean last = msg instanceof LastHttpContent;
            ReferenceCountUtil.release(msg);
            if (last) {
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    @Override
    public String toString() {
        return "Shadows{sent=" + metrics.shadowCopies(true) + ", skipped=" + metrics.shadowCopies(false) + ", open="
                + open.size() + '}';
    }
}
