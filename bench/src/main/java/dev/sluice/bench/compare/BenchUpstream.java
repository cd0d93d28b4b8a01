package dev.sluice.bench.compare;

import dev.sluice.bench.compare.internal.UpstreamConnection;
import dev.sluice.bench.compare.internal.UpstreamResponses;
import dev.sluice.bench.internal.Transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The mock OpenAI upstream of the side-by-side comparison: a minimal HTTP/1.1 server on 127.0.0.1 with one event
 * loop (epoll when available) that answers {@code POST .../chat/completions} with pre-encoded responses chosen by
 * the body's {@code model} (see {@code BenchModel}): {@code mock} (a ~420 B JSON, or an SSE stream of 20 content
 * chunks, a finish chunk with usage and {@code data: [DONE]}, ~5 KB in one write), {@code mock-lat50} (JSON after
 * 50 ms), {@code mock-ttft20-itl10} (first chunk after 20 ms, then one every 10 ms, each flushed alone) and
 * {@code mock-n40} (40 chunks). {@code GET} of any path answers {@code ok}. Keep-alive; JSON with
 * {@code Content-Length}, streams chunked. Its rate is the denominator of every ratio, so it parses nothing and
 * builds nothing per request. Thread-safe.
 */
public final class BenchUpstream implements AutoCloseable {
    /** The port the comparison runs it on. */
    public static final int DEFAULT_PORT = 9001;
    private static final int BACKLOG = 4096;

    private final MultiThreadIoEventLoopGroup group;
    private final UpstreamResponses responses;
    private final Channel server;

    private BenchUpstream(MultiThreadIoEventLoopGroup group, UpstreamResponses responses, Channel server) {
        this.group = group;
        this.responses = responses;
        this.server = server;
    }

    /** Starts it on {@code 127.0.0.1:port} (0: any free port); throws when the port cannot be bound. */
    public static BenchUpstream start(int port) throws InterruptedException {
        MultiThreadIoEventLoopGroup group = Transport.group(1, "bench-upstream");
        UpstreamResponses responses = new UpstreamResponses();
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, BACKLOG)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new UpstreamConnection(responses));
                        }
                    })
                    .bind("127.0.0.1", port).sync().channel();
            return new BenchUpstream(group, responses, server);
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            responses.release();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** The one event loop every connection runs on (a test may stall it to simulate a stalled server). */
    public EventLoop eventLoop() {
        return server.eventLoop();
    }

    /** Closes the listener and every connection, then frees the pre-encoded responses. */
    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        responses.release();
    }

    /** {@code BenchUpstream [--port N]}: runs until the process is stopped. */
    public static void main(String[] args) throws InterruptedException {
        int port = DEFAULT_PORT;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--port") && i + 1 < args.length) {
                port = Integer.parseInt(args[++i]);
            } else {
                System.err.println("usage: BenchUpstream [--port N]");
                System.exit(2);
            }
        }
        BenchUpstream upstream = start(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            upstream.close();
            stopped.countDown();
        }, "bench-upstream-shutdown"));
        System.out.println("bench upstream on http://127.0.0.1:" + upstream.port() + " (epoll " + Transport.epoll()
                + ")");
        System.out.flush();
        stopped.await();
    }
}
