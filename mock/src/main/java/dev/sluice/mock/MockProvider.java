package dev.sluice.mock;

import dev.sluice.mock.internal.MockCounters;
import dev.sluice.mock.internal.MockRecorder;
import dev.sluice.mock.internal.ModelBehaviours;
import dev.sluice.mock.internal.MockServerHandler;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A mock LLM provider: a real HTTP/1.1 server that answers the OpenAI paths ({@code /v1/chat/completions},
 * {@code /v1/completions}, {@code /v1/embeddings}, {@code /v1/models}, {@code /v1/responses}) and the Anthropic
 * path ({@code /v1/messages}) in their wire formats, with timing and faults chosen per request by
 * {@code x-mock-*} headers or a {@code [[mock ...]]} directive in the last user message. Every request is
 * recorded ({@link #records()}, and {@code GET /_mock/records} as JSON; {@code DELETE /_mock/records} clears).
 * Faults can also be programmed per model ({@link #behave}, or {@code POST /mock/behaviours} with
 * {@code {"model":"...","directive":"status=503 times=5"}} and {@code DELETE /mock/behaviours}), so that one
 * deployment fails while the same request body succeeds on another. The parameters are listed on
 * {@link dev.sluice.mock.internal.Behaviour}. Connections and requests per model are counted
 * ({@link #connectionCount()}, {@link #requestCount(String)}).
 *
 * <p>{@link #start(String, int)} binds before it returns and must not be called on an event loop;
 * {@link #close()} is idempotent.
 *
 * <p>Thread-safe.
 */
public final class MockProvider implements AutoCloseable {
    /** Event loop threads when not given: one is plenty for a mock and keeps timer order simple. */
    public static final int DEFAULT_EVENT_LOOP_THREADS = 1;
    /** Records kept; older ones are dropped so a long-running embedded mock does not grow without bound. */
    public static final int DEFAULT_MAX_RECORDS = 10_000;
    /** Largest request body accepted (answered 413 beyond it), like Anthropic's 32 MB Messages limit. */
    public static final int MAX_REQUEST_BYTES = 32 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final MockRecorder recorder;
    private final ModelBehaviours behaviours;
    private final MockCounters counters;
    private final int port;
    private final String baseUrl;
    private final AtomicBoolean closed = new AtomicBoolean();

    private MockProvider(final EventLoopGroup group, final Channel serverChannel, final MockRecorder recorder,
        final ModelBehaviours behaviours, final MockCounters counters) {
        this.group = group;
        this.serverChannel = serverChannel;
        this.recorder = recorder;
        this.behaviours = behaviours;
        this.counters = counters;
        final InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
        this.port = local.getPort();
        this.baseUrl = "http://" + urlHost(local.getAddress()) + ':' + port;
    }

    /** Starts a provider with {@value #DEFAULT_EVENT_LOOP_THREADS} event loop thread; port 0 picks a free port. */
    public static MockProvider start(final String host, final int port) {
        return start(host, port, DEFAULT_EVENT_LOOP_THREADS, DEFAULT_MAX_RECORDS);
    }

    /**
     * Starts a provider.
     *
     * @param host             the address to bind (the CLI refuses non-loopback ones)
     * @param port             the port, 0 for an ephemeral one
     * @param eventLoopThreads NIO event loop threads (at least 1)
     * @param maxRecords       records to keep (at least 1)
     * @return the running provider
     * @throws IllegalStateException when the port cannot be bound
     */
    public static MockProvider start(final String host, final int port, final int eventLoopThreads,
        final int maxRecords) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (eventLoopThreads < 1) {
            throw new IllegalArgumentException("eventLoopThreads: " + eventLoopThreads + " (expected: >= 1)");
        }
        final MockRecorder recorder = new MockRecorder(maxRecords);
        final ModelBehaviours behaviours = new ModelBehaviours();
        final MockCounters counters = new MockCounters();
        final EventLoopGroup group = new MultiThreadIoEventLoopGroup(eventLoopThreads,
            new DefaultThreadFactory("sluice-mock", true), NioIoHandler.newFactory());
        try {
            final Channel ch = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(final SocketChannel c) {
                        counters.connectionAccepted();
                        c.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(MAX_REQUEST_BYTES),
                            new MockServerHandler(recorder, behaviours, counters));
                    }
                })
                .bind(host, port).syncUninterruptibly().channel();
            return new MockProvider(group, ch, recorder, behaviours, counters);
        } catch (final Exception e) {
            // syncUninterruptibly() rethrows the bind failure (a checked BindException) undeclared.
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IllegalStateException("mock provider: cannot bind " + host + ':' + port, e);
        }
    }

    /** Returns the bound port. */
    public int port() {
        return port;
    }

    /** Returns {@code http://HOST:PORT} (a wildcard bind reads as 127.0.0.1), without a trailing slash. */
    public String baseUrl() {
        return baseUrl;
    }

    /** Returns a snapshot of the kept records, oldest first; each request's record changes as it progresses. */
    public List<MockRecord> records() {
        return recorder.snapshot();
    }

    /** Forgets all records. */
    public void clearRecords() {
        recorder.clear();
    }

    /**
     * Programs {@code model}: every later request whose body's {@code "model"} is {@code model} gets
     * {@code directive}'s parameters as defaults (its own {@code [[mock ...]]} directive and {@code x-mock-*}
     * headers still win per parameter). With {@code times=N} the programme applies to the next N such requests
     * only; then the model answers normally again. A new programme for the same model replaces the old one.
     *
     * @param model     the model name as requests send it
     * @param directive parameters such as {@code "status=503 times=5"} ({@code [[mock ...]]} brackets optional)
     * @throws IllegalArgumentException naming the parameter when the directive is invalid
     */
    public void behave(final String model, final String directive) {
        behaviours.behave(model, directive);
    }

    /** Forgets every per-model programme. */
    public void clearBehaviours() {
        behaviours.clear();
    }

    /** Returns the requests received (whole request read) whose body named {@code model}. */
    public long requestCount(final String model) {
        return counters.requestCount(Objects.requireNonNull(model, "model"));
    }

    /** Returns the TCP connections accepted since the provider started. */
    public long connectionCount() {
        return counters.connectionCount();
    }

    /** Closes the listening socket and every connection, and stops the event loops. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String urlHost(final InetAddress address) {
        if (address.isAnyLocalAddress()) {
            return "127.0.0.1";
        }
        final String h = address.getHostAddress();
        return h.indexOf(':') >= 0 ? '[' + h + ']' : h;
    }

    @Override
    public String toString() {
        return "MockProvider{" + baseUrl + '}';
    }
}
