package dev.sluice.proxy;

import dev.sluice.cluster.RedisAdmission;
import dev.sluice.codec.Clock;
import dev.sluice.cluster.RedisKeyStore;
import dev.sluice.cluster.RedisSharedAgents;
import dev.sluice.routing.admission.KeyStore;
import dev.sluice.routing.config.RedisSettings;
import dev.sluice.proxy.internal.BudgetSeeds;
import dev.sluice.proxy.internal.ConfigAgent;
import dev.sluice.proxy.internal.EvalAdmin;
import dev.sluice.proxy.internal.JournalIndexer;
import dev.sluice.proxy.internal.FeedbackIntake;
import dev.sluice.proxy.internal.OffLoopExecutor;
import dev.sluice.proxy.internal.OtlpMetrics;
import dev.sluice.proxy.internal.Tracing;
import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.LocalAdmission;
import static java.util.Objects.requireNonNull;

import dev.sluice.journal.ConfigRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.RecoveryPricer;
import dev.sluice.mock.MockProvider;
import dev.sluice.proxy.internal.AdminAudit;
import dev.sluice.proxy.internal.BudgetMetrics;
import dev.sluice.proxy.internal.Console;
import dev.sluice.proxy.internal.AdminHandler;
import dev.sluice.proxy.internal.AdminKeys;
import dev.sluice.proxy.internal.AdminRequests;
import dev.sluice.proxy.internal.AgentAdmin;
import dev.sluice.proxy.internal.ClientHandler;
import dev.sluice.proxy.internal.ClientTls;
import dev.sluice.proxy.internal.ConfigReloads;
import dev.sluice.proxy.internal.FileKeyStore;
import dev.sluice.proxy.internal.GatewayContext;
import dev.sluice.proxy.internal.GatewayMetrics;
import dev.sluice.proxy.internal.LoadControl;
import dev.sluice.proxy.internal.LoopResources;
import dev.sluice.proxy.internal.UpstreamPool;
import dev.sluice.routing.config.AgentStore;
import dev.sluice.routing.config.ClientLimits;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.Route;
import dev.sluice.routing.config.ServerSettings;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;

import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.SSLException;

/**
 * A running Sluice gateway: the client API (HTTPS with {@code server.tls}), the admin API, the journal, and the
 * built-in mock provider when the configuration asks for it. Start with {@link #start(GatewayConfig)};
 * {@link #close()} drains and stops everything. Thread-safe.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    /** Largest pending write per client connection before upstream reads pause (backpressure). */
    public static final int WRITE_HIGH_WATER_BYTES = 256 * 1024;
    /** Pending write size below which upstream reads resume. */
    public static final int WRITE_LOW_WATER_BYTES = 64 * 1024;
    /** How often each event loop ends the client waits that lasted their timeout (server.*_timeout_ms). */
    private static final long CLIENT_WAIT_TICK_MS = 250;
    /** How often a shutdown looks whether every connection has closed. */
    private static final long DRAIN_POLL_MS = 50;

    private final GatewayContext context;
    private final Journal journal;
    private final MockProvider mock;
    private final EventLoopGroup group;
    private final Map<EventExecutor, LoopResources> loops;
    private final Channel clientServer;
    private final Channel adminServer;
    private final AdminKeys adminKeys;
    private final AdminRequests adminRequests;
    private final AgentAdmin agentAdmin;
    private final EvalAdmin evalAdmin;
    private final JournalIndexer journalIndex;
    /** The open client connections (a closed one leaves by itself). */
    private final ChannelGroup clients;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AgentRunner memoryGuard;
    /** The TLS context new client connections take, swapped when a configuration is applied. */
    private final ClientTls clientTls;

    private Gateway(GatewayContext context, Journal journal, MockProvider mock, EventLoopGroup group,
                    Map<EventExecutor, LoopResources> loops, Channel clientServer, Channel adminServer,
                    AdminKeys adminKeys, AdminRequests adminRequests, ChannelGroup clients, AgentRunner memoryGuard,
                    ClientTls clientTls, AgentAdmin agentAdmin, EvalAdmin evalAdmin, JournalIndexer journalIndex) {
        this.journalIndex = journalIndex;
        this.context = context;
        this.agentAdmin = agentAdmin;
        this.evalAdmin = evalAdmin;
        this.clientTls = clientTls;
        this.memoryGuard = memoryGuard;
        this.clients = clients;
        this.adminKeys = adminKeys;
        this.adminRequests = adminRequests;
        this.journal = journal;
        this.mock = mock;
        this.group = group;
        this.loops = loops;
        this.clientServer = clientServer;
        this.adminServer = adminServer;
    }

    /**
     * Starts a gateway on the configuration's ports (0 picks free ports). Blocks while it opens the journal
     * (recovering records of a previous run that died) and binds; call it from a main thread, never an event loop.
     *
     * @throws IOException when the journal cannot be opened, a port cannot be bound, or the files of
     *         {@code server.tls} do not make a TLS server context
     */
    public static Gateway start(GatewayConfig config) throws IOException {
        return start(config, Clock.SYSTEM);
    }

    /** As {@link #start(GatewayConfig)}, reading the time from {@code clock} everywhere (the gateway's one clock). */
    public static Gateway start(GatewayConfig config, Clock clock) throws IOException {
        requireNonNull(config, "config");
        requireNonNull(clock, "clock");
        // First, so that a certificate that cannot be used leaves nothing started.
        ClientTls clientTls = new ClientTls();
        clientTls.install(serverTls(config));
        MockProvider mock = null;
        EventLoopGroup group = null;
        Journal journal = null;
        ConfigAgent agent = null;
        AgentStore agentStore = null;
        try {
            if (config.mockEnabled() && usesMock(config)) {
                mock = MockProvider.start("127.0.0.1", 0);
            }
            GatewayConfig unbound = config.bind(mock == null ? 0 : mock.port(), -1, -1);
            // The data directory is restart-only: one store serves this gateway's life, its reads cached. With Redis,
            // the gateways share the agents' labels and versions: a promotion through one is served by all.
            agentStore = new AgentStore(unbound.dataDir(), unbound.redis() == null ? null
                    : RedisSharedAgents.connect(unbound.redis().uri(), unbound.redis().prefix()));
            GatewayConfig bound = withAgents(unbound, agentStore, clock);
            journal = Journal.open(JournalSettings.builder(bound.dataDir().resolve("journal"))
                    .ringCapacityBytes(bound.server().journalRingBytes()).version(Version.VERSION)
                    .mode(ServerSettings.JOURNAL_HANDOFF.equals(bound.server().journalMode()) ? JournalMode.HANDOFF
                            : JournalMode.DIRECT)
                    .signingKeyFile(bound.journal().signingKeyFile(bound.dataDir()))
                    .rollCycle(bound.journal().rollCycle())
                    // A captured request and answer, and the record's own fields, in one record.
                    .maxRecordBytes(bound.journal().maxCaptureBytes() + (1 << 20))
                    .recoveryPricer(recoveryPricer(bound))
                    .minFree(bound.server().journalMinFreeBytes(), bound.server().journalMinFreePercent())
                    .build());

            boolean epoll = Epoll.isAvailable();
            IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
            int threads = bound.server().ioThreads() > 0 ? bound.server().ioThreads()
                    : Runtime.getRuntime().availableProcessors();
            group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("sluice-io", true), io);
            Class<? extends ServerChannel> serverType = epoll ? EpollServerSocketChannel.class
                    : NioServerSocketChannel.class;
            Class<? extends SocketChannel> clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;

            SslContext tls = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS").build();
            Map<EventExecutor, LoopResources> loops = new IdentityHashMap<>();
            for (EventExecutor e : group) {
                EventLoop loop = (EventLoop) e;
                loops.put(loop, new LoopResources(loop, journal.newProducer(loop),
                        new UpstreamPool(loop, clientType, tls, clock), clock));
            }
            // Run-time keys (admin API, `sluice keys create`) live hashed in <data_dir>/keys.json, or in Redis when
            // gateways share it (a key revoked through one gateway is refused by all).
            KeyStore keyStore = bound.redis() == null ? new FileKeyStore(bound.dataDir())
                    : RedisKeyStore.connect(bound.redis().uri(), bound.redis().prefix());
            GatewayContext context = new GatewayContext(bound.withRuntimeKeys(keyStore.load())
                    .withAddresses(resolve(bound)), clock);
            RedisSettings redis = bound.redis();
            // With Redis, several gateways share the counters (and a key revoked on one is refused by all).
            Admission admission = redis == null ? new LocalAdmission()
                    : RedisAdmission.connect(redis.uri(), redis.prefix(), redis.failOpen(),
                            redis.failOpen() ? new LocalAdmission() : null);
            admission.seedSpend(BudgetSeeds.fromJournal(context.config(), journal.dir(),
                    clock.wallMs()));
            context.admission(admission, redis != null);
            agent = new ConfigAgent(clock);
            context.agent(agent);
            capConnections(context);
            for (String unpriced : bound.unpricedDeployments()) {
                LOG.warn("no price for {}: its cost is recorded as unknown, and keys with a budget may not use it",
                        unpriced);
            }
            for (String w : context.config().keyWarnings()) {
                LOG.warn("key: {}", w);
            }
            for (String w : bound.agentWarnings()) {
                LOG.warn("{}", w);
            }
            AdminKeys adminKeys = new AdminKeys(keyStore, context, AdminAudit.journaled(journal, clock),
                    clock::wallMs);
            keyStore.watch(adminKeys::refresh);
            JournalIndexer journalIndex = JournalIndexer.start(journal.dir(),
                    context.config().governance().zone(), clock);
            AdminRequests adminRequests = new AdminRequests(journal.dir(), adminKeys.liveAudit(), journalIndex);
            AgentAdmin agentAdmin = new AgentAdmin(context, agentStore, adminKeys.liveAudit(), clock, journal.dir());
            EvalAdmin evalAdmin = new EvalAdmin(context, journal, adminKeys.liveAudit(), clock, journalIndex);
            context.feedback(new FeedbackIntake(journal, clock));
            OffLoopExecutor telemetry = new OffLoopExecutor("sluice-telemetry", 1024);
            Console.preload();
            if (bound.telemetry() != null) {
                context.tracing(Tracing.start(bound.telemetry(), clock));
                context.otlpMetrics(OtlpMetrics.start(bound.telemetry(), context.metrics(), clock));
                LOG.info("telemetry: every request is a trace exported over OTLP/HTTP to {}, the GenAI metrics go to {}"
                        + " every {} ms", bound.telemetry().tracesUrl(), bound.telemetry().metricsUrl(),
                        bound.telemetry().metricsIntervalMs());
            }
            context.telemetry(telemetry);
            AdminAudit alerts = AdminAudit.journaled(journal, clock);
            admission.budgets().onSoftAlert(a -> {
                // Settles run on event loops and Redis's thread; the journal's admin appender is not for them.
                try {
                    telemetry.execute(() -> alerts.record("sluice", "budget.soft_threshold", a.scope(), "ok",
                            BudgetMetrics.detail(a)));
                } catch (RejectedExecutionException full) {
                    LOG.warn("budget alert of {} not journaled: {}", a.scope(), full.getMessage());
                }
            });
            if (agentStore.shared() != null) {
                agentStore.shared().watch(agentAdmin::refresh);
                agentAdmin.refresh(null);   // a move between the first read and the subscription
            }
            ServerSettings s = bound.server();
            ChannelGroup clients = new DefaultChannelGroup("sluice-clients", GlobalEventExecutor.INSTANCE);
            Channel client = listen(new ServerBootstrap().group(group).channel(serverType)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    // Pooled, not Netty 4.2's adaptive default: its derived buffers (the relay's per-event slices)
                    // are recycled, so relaying allocates nothing per event (bench/RESULTS.md).
                    .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                            new WriteBufferWaterMark(WRITE_LOW_WATER_BYTES, WRITE_HIGH_WATER_BYTES))
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            clients.add(ch);
                            clientTls.addTo(ch);
                            ch.pipeline().addLast("decoder", ClientHandler.newDecoder(s));
                            ch.pipeline().addLast("encoder", new HttpResponseEncoder());
                            ch.pipeline().addLast("gateway", new ClientHandler(context, loops.get(ch.eventLoop())));
                        }
                    }), new InetSocketAddress(s.host(), s.port()), "the client listener (server.host, server.port)");
            // Shadow copies go through the client listener over loopback; not over TLS (the copier speaks plain HTTP).
            context.shadows().listener(s.tls() == null ? (InetSocketAddress) client.localAddress() : null);
            if (s.tls() != null && !bound.shadows().isEmpty()) {
                LOG.warn("shadow traffic is off: the client listener speaks TLS ({} declared)",
                        bound.shadows().keySet());
            }
            Channel admin = listen(new ServerBootstrap().group(group).channel(serverType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(ClientHandler.decoderConfig(s)));
                            ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024));
                            ch.pipeline().addLast(new AdminHandler(context, adminKeys, adminRequests, agentAdmin,
                                    evalAdmin));
                        }
                    }),
                    // The admin API is loopback-only whatever the client API's host is.
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), s.adminPort()),
                    "the admin listener (server.admin_port)");
            journal.appendConfig(new ConfigRecord(context.clock().wallMicros(), bound.version(), bound.source()));
            for (LoopResources r : loops.values()) {
                r.loop().scheduleAtFixedRate(() -> r.expireClientWaits(context.config().server().limits(),
                        context.load(), context.metrics()),
                        CLIENT_WAIT_TICK_MS, CLIENT_WAIT_TICK_MS, TimeUnit.MILLISECONDS);
            }
            AgentRunner memoryGuard = context.load().watchMemory(
                    () -> context.config().server().limits().memoryGuardPercent());
            return new Gateway(context, journal, mock, group, loops, client, admin, adminKeys, adminRequests,
                    clients, memoryGuard, clientTls, agentAdmin, evalAdmin, journalIndex);
        } catch (SSLException e) {
            closeQuietly(group, journal, mock, agent, agentStore);
            throw new IOException("cannot set up TLS for providers: " + e.getMessage(), e);
        } catch (RuntimeException | IOException e) {
            closeQuietly(group, journal, mock, agent, agentStore);
            throw e instanceof IOException ? (IOException) e : new IOException(e.getMessage(), e);
        }
    }


    /**
     * Builds the client listener's TLS context from the files {@code server.tls} names, as they are now, or returns
     * null when TLS is off.
     *
     * @throws IOException when they do not make a server context, saying why
     */
    private static SslContext serverTls(GatewayConfig config) throws IOException {
        try {
            return ClientTls.newServerContext(config.server().tls());
        } catch (SSLException e) {
            throw new IOException(config.source() + ": server.tls: " + ClientTls.describe(e), e);
        }
    }

    private static boolean usesMock(GatewayConfig config) {
        for (ProviderConfig p : config.providers().values()) {
            if (p.builtInMock()) {
                return true;
            }
        }
        return false;
    }

    /** Resolves every enabled provider's host here, off the event loops. */
    private static Map<String, InetSocketAddress> resolve(GatewayConfig config) {
        Map<String, InetSocketAddress> out = new LinkedHashMap<>();
        for (ProviderConfig p : config.providers().values()) {
            if (!p.enabled()) {
                continue;
            }
            try {
                out.put(p.origin(), new InetSocketAddress(InetAddress.getByName(p.host()), p.port()));
            } catch (UnknownHostException e) {
                // Left out: requests to it answer 502 with a clear message.
            }
        }
        return out;
    }

    /**
     * Puts a new validated snapshot in use: requests that start from now on see it, requests in flight finish on
     * theirs. Settings that need a restart (server, data_dir, mock_provider.enabled) keep their running values.
     * The files of {@code server.tls} are read again (also when their names did not change): connections opened from
     * now on use them, open ones keep theirs; without {@code server.tls} new connections are plain HTTP.
     * Runs on the configuration agent (after the changes queued before it), which resolves provider hosts, builds
     * the TLS context and writes the journal's configuration record; the caller waits for it, so call it off the
     * event loops.
     *
     * @return the restart-only settings the new snapshot would have changed (kept as they run), or an empty list
     * @throws IllegalStateException when the agent's queue is full
     * @throws IllegalArgumentException when the files of {@code server.tls} do not make a TLS server context (the
     *         message says why); nothing was applied
     */
    public List<String> apply(GatewayConfig next) {
        requireNonNull(next, "next");
        try {
            return context.agent().submit(() -> applyOnAgent(next)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause()
                    : new IllegalStateException(e.getCause());
        }
    }

    private List<String> applyOnAgent(GatewayConfig next) {
        SslContext tls;
        try {
            tls = serverTls(next);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        GatewayConfig running = context.config();
        List<String> kept = next.restartOnlyChanges(running);
        GatewayConfig bound = next.keepRuntimeOf(running).bind(mock == null ? 0 : mock.port(), -1, -1);
        try {
            bound = withAgents(bound, agentAdmin.store(), context.clock());
        } catch (IOException e) {
            throw new IllegalArgumentException("the agents' version store under " + bound.dataDir() + " cannot be "
                    + "written: " + e.getMessage(), e);
        }
        for (String w : bound.agentWarnings()) {
            LOG.warn("{}", w);
        }
        adminKeys.install(bound.withAddresses(resolve(bound)));
        clientTls.install(tls);
        capConnections(context);
        journal.appendConfig(new ConfigRecord(context.clock().wallMicros(), bound.version(), bound.source()));
        return kept;
    }

    /**
     * {@code config} serving its agents: each agent's files stored as a version (once), the labels read, a new
     * agent's production label started at its files' version. Reads and writes files: off the event loops.
     */
    private static GatewayConfig withAgents(GatewayConfig config, AgentStore store, Clock clock) throws IOException {
        if (config.agentFiles().isEmpty()) {
            return config;
        }
        return config.withAgents(store.sync(config.agentFiles(), clock.wallMs()));
    }

    /** Puts the running configuration's connection cap in force, saying so when the descriptors cannot hold it. */
    private static void capConnections(GatewayContext context) {
        ClientLimits limits = context.config().server().limits();
        int cap = context.load().capConnections(limits);
        if (cap < limits.maxConnections()) {
            LOG.warn("server.max_connections {} is more than this process's descriptors can hold beside {} requests"
                    + " in flight and the journal: {} connections at most (raise the descriptor limit, ulimit -n)",
                    limits.maxConnections(), limits.maxInFlight(), cap);
        }
    }

    /** Sends the admin API's record of every action and refusal to {@code audit} (default: the log). */
    public void adminAudit(AdminAudit audit) {
        adminKeys.audit(audit);
    }

    /**
     * Prices what a crash interrupted at the price of the requested alias's first deployment: the one a request
     * starts on, so a stream cut by the crash is counted at what it was being billed.
     */
    private static RecoveryPricer recoveryPricer(GatewayConfig config) {
        return (model, tokensIn, tokensOut) -> {
            Route route = model == null ? null : config.routes().lookup(model);
            Price price = route == null ? null : route.primary().price();
            return price == null ? -1 : price.costMicros(tokensIn, tokensOut, 0, 0);
        };
    }

    /** The one owner of the running configuration: every change to it runs there. */
    ConfigAgent configAgent() {
        return context.agent();
    }

    /** Lets the admin API reload the configuration file through {@code reloads}. */
    public void reloads(ConfigReloads reloads) {
        context.reloads(reloads);
    }

    /** Returns the client API port actually bound. */
    public int port() {
        return ((InetSocketAddress) clientServer.localAddress()).getPort();
    }

    /** Returns the admin API port actually bound. */
    public int adminPort() {
        return ((InetSocketAddress) adminServer.localAddress()).getPort();
    }

    /** Returns the built-in mock provider, or {@code null} when it is not running. */
    public MockProvider mock() {
        return mock;
    }

    public GatewayConfig config() {
        return context.config();
    }

    /** The agents' admin API: where an evaluation gate is put in place ({@link AgentAdmin#gate}). */
    public AgentAdmin agentAdmin() {
        return agentAdmin;
    }

    /** What the client listener holds against its caps: connections, requests in flight, memory. */
    public LoadControl load() {
        return context.load();
    }

    /** Where requests' spans go, {@code null} when traces are off. */
    public Tracing tracing() {
        return context.tracing();
    }

    public GatewayMetrics metrics() {
        return context.metrics();
    }

    public Path journalDir() {
        return journal.dir();
    }

    /** The clock the gateway reads time from. */
    public Clock clock() {
        return context.clock();
    }

    public Journal journal() {
        return journal;
    }

    /**
     * Shuts down gracefully (RELIABILITY D7): stops accepting connections, refuses new requests on open ones (503
     * {@code shutting_down}), closes idle connections, and lets requests in flight finish, each connection closing
     * after its answer, for up to {@code drainTimeoutMs}; then closes what is left (those requests end as cancelled)
     * and everything else as {@link #close()} does, the journal last, so every END record is written. Blocks; call
     * it from a main or shutdown thread, never an event loop.
     *
     * @return the connections still open at the deadline, which were cut
     */
    public int shutdown(long drainTimeoutMs) {
        if (drainTimeoutMs < 0) {
            throw new IllegalArgumentException("drainTimeoutMs: " + drainTimeoutMs + " (expected: >= 0)");
        }
        // Draining first: a request on a connection accepted before the listener closed is refused, not served.
        context.startDraining();
        clientServer.close().syncUninterruptibly();
        LOG.info("shutdown: not accepting requests any more; draining {} connections for up to {} ms",
                clients.size(), drainTimeoutMs);
        for (Channel ch : clients) {
            ClientHandler h = ch.pipeline().get(ClientHandler.class);
            if (h != null) {
                ch.eventLoop().execute(h::drain);
            }
        }
        long deadlineNs = context.clock().nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainTimeoutMs);
        boolean interrupted = false;
        while (!clients.isEmpty() && deadlineNs - context.clock().nanoTime() > 0) {
            try {
                Thread.sleep(DRAIN_POLL_MS);
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        int cut = clients.size();
        if (cut > 0) {
            LOG.warn("shutdown: {} connections still busy after {} ms; closing them", cut, drainTimeoutMs);
            clients.close().awaitUninterruptibly(DRAIN_POLL_MS * 100L);
        }
        close();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return cut;
    }

    /** Stops accepting, closes connections, drains the journal and stops the mock. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        clientServer.close().syncUninterruptibly();
        adminServer.close().syncUninterruptibly();
        adminKeys.close();
        adminRequests.close();
        evalAdmin.close();
        journalIndex.close();
        context.feedback().close();
        context.telemetry().close();
        memoryGuard.close();
        for (LoopResources r : loops.values()) {
            r.loop().submit(r::closeIdle).syncUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (context.tracing() != null) {
            // After the event loops: the last requests' spans are in the queue, and go with the final batch.
            context.tracing().close();
            context.otlpMetrics().close();
        }
        context.agent().close();
        agentAdmin.store().close();
        context.admission().close();
        journal.close();
        if (mock != null) {
            mock.close();
        }
    }

    /**
     * Binds {@code bootstrap} to {@code address}; a failure names the address and the listener, which the operating
     * system's message ("Address already in use") does not.
     */
    private static Channel listen(ServerBootstrap bootstrap, InetSocketAddress address, String what)
            throws IOException {
        try {
            return bootstrap.bind(address).syncUninterruptibly().channel();
        } catch (Exception e) {
            // syncUninterruptibly rethrows the bind's own exception, checked ones included.
            String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
            throw new IOException("cannot listen on " + host + ":" + address.getPort() + " for " + what + ": "
                    + e.getMessage(), e);
        }
    }

    private static void closeQuietly(EventLoopGroup group, Journal journal, MockProvider mock, ConfigAgent agent,
                                     AgentStore agentStore) {
        if (agent != null) {
            agent.close();
        }
        if (agentStore != null) {
            agentStore.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (journal != null) {
            journal.close();
        }
        if (mock != null) {
            mock.close();
        }
    }
}
