package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import static java.util.Objects.requireNonNull;

import dev.sluice.routing.config.ProviderConfig;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to providers, opened on the same event loop as the client connections that use them so
 * a relayed byte never changes thread. Idle connections are kept per origin, up to {@link #MAX_IDLE_PER_ORIGIN}.
 * Confined to its event loop.
 */
public final class UpstreamPool {
    /** Idle connections kept per provider origin on one event loop. */
    public static final int MAX_IDLE_PER_ORIGIN = 256;
    /**
     * An idle connection older than this is closed rather than reused: providers and their load balancers close
     * idle keep-alive connections after some tens of seconds, and a request written into one that is closing
     * fails after it was sent, where it can no longer be safely retried.
     */
    public static final long MAX_IDLE_NS = TimeUnit.SECONDS.toNanos(20);

    private final Bootstrap bootstrap;
    private final Clock clock;
    private final SslContext tls;
    private final Map<String, ArrayDeque<Channel>> idle = new HashMap<>();

    /** A pool on {@code loop}; {@code clock} dates idle connections. */
    public UpstreamPool(EventLoop loop, Class<? extends Channel> channelType, SslContext tls, Clock clock) {
        this.tls = requireNonNull(tls, "tls");
        this.clock = requireNonNull(clock, "clock");
        this.bootstrap = new Bootstrap().group(requireNonNull(loop, "loop")).channel(channelType)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.AUTO_READ, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // The pipeline is finished in connect(), once the origin is known.
                    }
                });
    }

    /** A copy of this pool's bootstrap (its event loop, transport and options) for a connection of another kind. */
    Bootstrap plainBootstrap() {
        return bootstrap.clone();
    }

    /** Returns an idle connection to the provider's origin, or {@code null} when none is open. */
    Channel pollIdle(ProviderConfig provider) {
        ArrayDeque<Channel> q = idle.get(origin(provider));
        if (q == null) {
            return null;
        }
        Channel ch;
        long now = clock.nanoTime();
        while ((ch = q.pollLast()) != null) {
            if (!ch.isActive()) {
                continue;
            }
            UpstreamHandler h = (UpstreamHandler) ch.pipeline().last();
            if (now - h.idleSinceNs() < MAX_IDLE_NS) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /**
     * Opens a new connection. The pipeline is TLS (for https origins), the HTTP client codec and {@code handler}.
     * Redirects are never followed: the codec hands every response to the handler as it is.
     */
    ChannelFuture connect(ProviderConfig provider, InetSocketAddress address, int connectTimeoutMs,
                          UpstreamHandler handler) {
        Bootstrap b = bootstrap.clone()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectTimeoutMs)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (provider.tls()) {
                            p.addLast("tls", tls.newHandler(ch.alloc(), provider.host(), provider.port()));
                        }
                        p.addLast("http", new HttpClientCodec(answerDecoder(), false, false));
                        p.addLast("upstream", handler);
                    }
                });
        return b.connect(address);
    }

    /**
     * The decoder settings for a provider's answers: a 4 KiB status line, 16 KiB of headers, chunks of up to 64 KiB,
     * and trailer maps made only for a trailer that arrives ({@link LazyTrailers}).
     */
    static HttpDecoderConfig answerDecoder() {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(4096)
                .setMaxHeaderSize(16 * 1024)
                .setMaxChunkSize(64 * 1024)
                .setTrailersFactory(LazyTrailers.FACTORY);
    }

    /** Returns a connection whose last response ended cleanly to the idle set. */
    void release(ProviderConfig provider, Channel ch) {
        if (!ch.isActive()) {
            return;
        }
        ArrayDeque<Channel> q = idle.computeIfAbsent(origin(provider), k -> new ArrayDeque<>());
        if (q.size() >= MAX_IDLE_PER_ORIGIN) {
            ch.close();
            return;
        }
        ((UpstreamHandler) ch.pipeline().last()).idleSince(clock.nanoTime());
        q.addLast(ch);
    }

    /** Closes every idle connection (shutdown). */
    public void closeIdle() {
        for (ArrayDeque<Channel> q : idle.values()) {
            for (Channel ch : q) {
                ch.close();
            }
            q.clear();
        }
    }

    private static String origin(ProviderConfig p) {
        return p.origin();
    }
}
