package dev.sluice.proxy.cli;

import dev.sluice.journal.cli.Installation;
import dev.sluice.proxy.ConfigReloader;
import dev.sluice.proxy.Gateway;
import dev.sluice.proxy.internal.BackgroundThreads;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.ProviderConfig;
import dev.sluice.routing.config.Route;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code sluice serve}: runs the gateway until SIGTERM or SIGINT (Ctrl-C), then shuts it down gracefully
 * ({@link Gateway#shutdown}: no new requests, the ones in flight finish for up to {@code server.drain_timeout_ms},
 * every END record written, the journal closed) and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway.")
public final class ServeCommand implements Callable<Integer> {
    /** True while a gateway started by this command runs (the JVM must then not exit from main). */
    static final AtomicBoolean RUNNING = new AtomicBoolean();
    /** How often threads started since are looked for and lowered (server.background_nice). */
    private static final long BACKGROUND_RESCAN_S = 10;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "Configuration file (default: "
            + Installation.CONFIG_FILE + " in the installation: ${DEFAULT-VALUE}).")
    Path config = Installation.configFile();

    @Option(names = "--port", paramLabel = "PORT", description = "Client API port (default: from the configuration, 8080).")
    Integer port;

    @Option(names = "--admin-port", paramLabel = "PORT", description = "Admin API port (default: from the configuration, 8081).")
    Integer adminPort;

    @Option(names = "--data-dir", paramLabel = "PATH", description = "Data directory (default: from the configuration).")
    Path dataDir;

    @Option(names = "--no-watch", description = "Do not watch the configuration file; reload on SIGHUP or "
            + "POST /admin/reload only (for file systems without change notification).")
    boolean noWatch;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GatewayConfig cfg;
        try {
            cfg = ConfigLoader.load(config, System.getenv());
        } catch (ConfigException e) {
            err.println("sluice: invalid configuration: " + e.getMessage());
            return 2;
        }
        cfg = cfg.bind(0, port == null ? -1 : port, adminPort == null ? -1 : adminPort);
        if (dataDir != null) {
            cfg = cfg.withDataDir(dataDir);
        }
        Gateway gateway;
        try {
            gateway = Gateway.start(cfg);
        } catch (IOException e) {
            err.println("sluice: cannot start: " + e.getMessage());
            return 1;
        }
        // Edits of the file apply without a restart (watched, or SIGHUP, or POST /admin/reload).
        ConfigReloader reloader = ConfigReloader.start(gateway, config, System.getenv(), !noWatch);
        reloader.reloadOnHangup();
        RUNNING.set(true);
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM and SIGINT ask the main thread to drain and return (exit status 0); the JVM's default handling
        // would run the shutdown hook and exit 143 with streams cut.
        for (String name : new String[] {"TERM", "INT"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), sig -> stopRequested.countDown());
            } catch (IllegalArgumentException e) {
                err.println("sluice: SIG" + name + " cannot be handled here; it stops the gateway without draining");
            }
        }
        AtomicBoolean stopped = new AtomicBoolean();
        // Any other way out (System.exit elsewhere, SIGHUP ignored...): close at once, the journal cleanly.
        Thread hook = new Thread(() -> {
            if (stopped.compareAndSet(false, true)) {
                reloader.close();
                gateway.close();
            }
        }, "sluice-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        GatewayConfig live = gateway.config();
        // The JIT compilers and the housekeeping threads yield a shared core to the event loops.
        BackgroundThreads background = BackgroundThreads.of(live.server().backgroundNice());
        background.lowerNew();
        // The admin API is plain HTTP on loopback whatever the client listener speaks.
        out.printf("sluice listening on %s://%s:%d (admin http://127.0.0.1:%d), config %s v%s%n",
                live.server().tls() == null ? "http" : "https", live.server().host(), gateway.port(),
                gateway.adminPort(), live.source(), live.version());
        out.printf("journal: %s%s%n", gateway.journalDir(), gateway.journal().recoveredInterrupted() > 0
                ? " (" + gateway.journal().recoveredInterrupted() + " interrupted requests recovered)" : "");
        if (gateway.mock() != null) {
            out.printf("built-in mock provider on %s%n", gateway.mock().baseUrl());
        }
        for (Route r : live.routes().routes()) {
            ProviderConfig p = r.provider();
            if (p.enabled()) {
                out.printf("  model %-24s -> %s/%s%s%n", r.name(), p.name(), r.upstreamModel(),
                        r.price() == null ? "   (no price configured: cost not tracked)" : "");
            }
        }
        for (ProviderConfig p : live.providers().values()) {
            if (!p.enabled()) {
                out.printf("  provider %s is off: %s%n", p.name(), p.disabledReason());
            }
        }
        out.flush();
        while (!stopRequested.await(BACKGROUND_RESCAN_S, TimeUnit.SECONDS)) {
            background.lowerNew();
        }
        if (stopped.compareAndSet(false, true)) {
            long drainMs = gateway.config().server().drainTimeoutMs();
            out.printf("sluice: shutting down, draining requests in flight (up to %d ms)%n", drainMs);
            out.flush();
            reloader.close();
            int cut = gateway.shutdown(drainMs);
            out.printf("sluice: stopped%s%n", cut > 0 ? " (" + cut + " connections cut at the drain deadline)" : "");
            out.flush();
        }
        RUNNING.set(false);
        return 0;
    }
}
