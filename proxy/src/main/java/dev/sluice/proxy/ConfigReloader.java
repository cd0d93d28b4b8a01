package dev.sluice.proxy;

import static java.util.Objects.requireNonNull;

import dev.sluice.journal.AdminOutcome;
import dev.sluice.journal.AdminRecord;
import dev.sluice.proxy.internal.ConfigAgent;
import dev.sluice.proxy.internal.ConfigReloads;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Applies edits of the configuration file without a restart: on a file change (watched, debounced by
 * {@value #DEBOUNCE_MS} ms), on {@code SIGHUP}, and on the admin API's {@code POST /admin/reload}. Each reload
 * is a command of the gateway's configuration agent ({@link ConfigAgent}, the one owner of the running snapshot):
 * it re-reads and validates the whole file on the agent's thread; a valid file becomes the running snapshot (see
 * {@link Gateway#apply}), an invalid one changes nothing and its error (file, line, field) is logged and kept for
 * the admin API. The file watch has a thread of its own ({@code sluice-config-watch}, since a watch service can
 * only be waited on) that does nothing but tell the agent. Thread-safe.
 */
public final class ConfigReloader implements ConfigReloads, AutoCloseable {
    /** Quiet time after the last file event before the file is read (editors write in several steps). */
    public static final long DEBOUNCE_MS = ConfigAgent.DEBOUNCE_MS;

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Gateway gateway;
    private final Path file;
    private final Map<String, String> env;
    private volatile String lastError;
    private volatile WatchService watcher;
    /** The text the running configuration was read from, to name the sections the next reload changes. */
    private String runningText;

    private ConfigReloader(Gateway gateway, Path file, Map<String, String> env) {
        this.gateway = requireNonNull(gateway, "gateway");
        this.file = requireNonNull(file, "file").toAbsolutePath().normalize();
        this.env = Map.copyOf(requireNonNull(env, "env"));
        gateway.configAgent().onFileChange(this::reloadNow);
    }

    /**
     * Starts reloading {@code file} into {@code gateway} (whose snapshot came from it), watching the file when
     * {@code watch}, and wires the admin API to it.
     *
     * @throws IOException when the file's directory cannot be watched
     */
    public static ConfigReloader start(Gateway gateway, Path file, Map<String, String> env, boolean watch)
            throws IOException {
        ConfigReloader r = new ConfigReloader(gateway, file, env);
        r.runningText = r.readText();
        if (watch) {
            r.watch();
        }
        gateway.reloads(r);
        return r;
    }

    /**
     * Reloads on {@code SIGHUP} too, where the platform has the signal and the process does not ignore it. A
     * process started with SIGHUP ignored (under {@code nohup}, say) keeps ignoring it: the JVM does not let a handler
     * replace an inherited "ignore", so this says so in the log instead of failing silently.
     *
     * @return whether {@code kill -HUP} now reloads
     */
    public boolean reloadOnHangup() {
        sun.misc.Signal hup;
        try {
            hup = new sun.misc.Signal("HUP");
        } catch (IllegalArgumentException e) {
            LOG.warn("SIGHUP is not available here: reload through the file or the admin API");
            return false;
        }
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(hup, s -> reload());
        if (previous == sun.misc.SignalHandler.SIG_IGN) {
            LOG.warn("SIGHUP is ignored by this process (started under nohup, or with SIGHUP ignored), so kill -HUP"
                    + " will not reload: reload through the file watch or POST /admin/reload, or start the gateway"
                    + " without nohup (setsid, a service manager)");
            return false;
        }
        return true;
    }

    @Override
    public CompletableFuture<Outcome> reload() {
        CompletableFuture<Outcome> r = gateway.configAgent().submit(this::reloadNow);
        return r.exceptionally(e -> new Outcome(false, gateway.config().version(), "not reloaded: " + e.getMessage()));
    }

    @Override
    public String lastError() {
        return lastError;
    }

    /** Runs on the configuration agent's thread only. */
    private Outcome reloadNow() {
        GatewayConfig running = gateway.config();
        GatewayConfig next;
        String text = readText();
        try {
            next = ConfigLoader.load(file, env);
        } catch (ConfigException e) {
            return refused(running, e.getMessage());
        }
        lastError = null;
        if (next.version().equals(running.version())) {
            return new Outcome(false, running.version(), "unchanged");
        }
        List<String> changed = ConfigSections.changed(runningText, text);
        List<String> kept;
        try {
            kept = gateway.apply(next);
        } catch (IllegalArgumentException e) {
            // The TLS files passed the loader's checks but do not make a server context: refused like a bad file.
            return refused(running, e.getMessage());
        }
        runningText = text;
        String message = kept.isEmpty() ? null : "changes to " + String.join(", ", kept)
                + " need a restart; the running values stay";
        // Same sections and another version: formatting, or a file the configuration names (the price table, the
        // certificate and key of server.tls) was replaced.
        String sections = changed == null ? "" : ", changed: " + (changed.isEmpty()
                ? "nothing but formatting or the files it names" : String.join(", ", changed));
        journal(AdminOutcome.OK, running.version() + " -> " + next.version() + sections
                + (message == null ? "" : "; " + message));
        LOG.info("configuration {} applied (was {}){}", next.version(), running.version(),
                message == null ? "" : "; " + message);
        return new Outcome(true, next.version(), message);
    }

    /** Keeps the running configuration, says why in the log and the journal, and keeps the error for the admin API. */
    private Outcome refused(GatewayConfig running, String error) {
        lastError = error;
        LOG.warn("configuration not reloaded, the running one stays ({}): {}", running.version(), error);
        journal(AdminOutcome.INVALID, "refused, " + running.version() + " stays: " + error);
        return new Outcome(false, running.version(), error);
    }

    /** The file's text, or null when it cannot be read (the loader then says why). */
    private String readText() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    /** An ADMIN record of the reload: what changed, or why it was refused (the journal's audit trail). */
    private void journal(AdminOutcome outcome, String detail) {
        try {
            gateway.journal().appendAdmin(new AdminRecord(gateway.clock().wallMicros(), "config-file",
                    "config.reload", file.getFileName().toString(), outcome, detail));
        } catch (RuntimeException e) {
            LOG.warn("could not journal the configuration reload: {}", e.getMessage());
        }
    }

    private void watch() throws IOException {
        WatchService ws = FileSystems.getDefault().newWatchService();
        Path dir = file.getParent();
        register(ws, dir);
        Path agents = dir.resolve(ConfigLoader.AGENTS_DIR);
        if (Files.isDirectory(agents)) {
            registerAgents(ws, agents);
        }
        watcher = ws;
        Thread t = new Thread(() -> watchLoop(ws, dir, agents), "sluice-config-watch");
        t.setDaemon(true);
        t.start();
    }

    private static void register(WatchService ws, Path dir) throws IOException {
        dir.register(ws, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE,
                StandardWatchEventKinds.ENTRY_DELETE);
    }

    /**
     * Watches {@code conf/agents/}, each agent's directory and its {@code context/}: an edit of a prompt or a
     * context file is a reload like an edit of the configuration file (a watch service sees one directory deep).
     */
    private static void registerAgents(WatchService ws, Path agents) throws IOException {
        register(ws, agents);
        try (Stream<Path> agentDirs = Files.list(agents)) {
            for (Path a : agentDirs.filter(Files::isDirectory).toList()) {
                register(ws, a);
                Path context = a.resolve(AgentVersion.CONTEXT_DIR);
                if (Files.isDirectory(context)) {
                    register(ws, context);
                }
            }
        }
    }

    private void watchLoop(WatchService ws, Path dir, Path agents) {
        Path name = file.getFileName();
        Path agentsName = agents.getFileName();
        try {
            while (true) {
                WatchKey key = ws.take();
                Path watched = (Path) key.watchable();
                boolean ours = false;
                boolean newDirs = false;
                for (WatchEvent<?> e : key.pollEvents()) {
                    boolean overflow = e.kind() == StandardWatchEventKinds.OVERFLOW;
                    boolean inAgents = watched.startsWith(agents);
                    ours |= overflow || inAgents || name.equals(e.context()) || agentsName.equals(e.context());
                    newDirs |= overflow || e.kind() == StandardWatchEventKinds.ENTRY_CREATE
                            && (inAgents || agentsName.equals(e.context()));
                }
                key.reset();
                if (newDirs && Files.isDirectory(agents)) {
                    try {
                        registerAgents(ws, agents);   // a new agent, or its context/, is watched from now on
                    } catch (IOException e) {
                        LOG.warn("cannot watch {}: {}", agents, e.getMessage());
                    }
                }
                if (ours) {
                    gateway.configAgent().fileChanged();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // Closing.
        }
    }

    @Override
    public void close() {
        WatchService ws = watcher;
        if (ws != null) {
            try {
                ws.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
    }
}
