package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;

/**
 * One immutable snapshot of the gateway's configuration: server limits, upstream timeouts, providers, routes and
 * keys. A reload builds a new snapshot and swaps one reference; a request finishes on the snapshot it started
 * with. Thread-safe (immutable).
 */
public final class GatewayConfig {
    private final String source;
    private final String version;
    private final ServerSettings server;
    private final UpstreamSettings upstream;
    private final Path dataDir;
    private final boolean mockEnabled;
    private final Map<String, ProviderConfig> providers;
    private final RouteTable routes;
    private final KeyTable keys;

    public GatewayConfig(String source, String version, ServerSettings server, UpstreamSettings upstream, Path dataDir,
                         boolean mockEnabled, Map<String, ProviderConfig> providers, RouteTable routes, KeyTable keys) {
        this.source = requireNonNull(source, "source");
        this.version = requireNonNull(version, "version");
        this.server = requireNonNull(server, "server");
        this.upstream = requireNonNull(upstream, "upstream");
        this.dataDir = requireNonNull(dataDir, "dataDir");
        this.mockEnabled = mockEnabled;
        this.providers = Map.copyOf(providers);
        this.routes = requireNonNull(routes, "routes");
        this.keys = requireNonNull(keys, "keys");
    }

    /** Returns where this snapshot came from (a file path, or "built-in"). */
    public String source() {
        return source;
    }

    /** Returns a short content hash of the configuration text, recorded in the journal. */
    public String version() {
        return version;
    }

    public ServerSettings server() {
        return server;
    }

    public UpstreamSettings upstream() {
        return upstream;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Returns whether the built-in mock provider is to be started. */
    public boolean mockEnabled() {
        return mockEnabled;
    }

    public Map<String, ProviderConfig> providers() {
        return providers;
    }

    public RouteTable routes() {
        return routes;
    }

    public KeyTable keys() {
        return keys;
    }

    /**
     * Returns a snapshot whose built-in mock providers point at the mock bound on {@code port}, and whose server
     * listens on the given ports (negative keeps the configured one). Deployment health is kept.
     */
    public GatewayConfig bind(int mockPort, int port, int adminPort) {
        Map<String, ProviderConfig> bound = new java.util.LinkedHashMap<>();
        providers.forEach((n, p) -> bound.put(n, p.builtInMock() ? p.withPort(mockPort) : p));
        ServerSettings s = server.withPorts(port < 0 ? server.port() : port, adminPort < 0 ? server.adminPort() : adminPort);
        return new GatewayConfig(source, version, s, upstream, dataDir, mockEnabled, bound,
                routes.withProviders(bound), keys);
    }

    /**
     * Returns a copy with the settings a running gateway cannot change taken from {@code running}: where it listens
     * and its limits (server), its data directory, whether the built-in mock runs. Deployments that serve the same
     * alias from the same provider and model keep their health (circuits, cool-downs, counters).
     */
    public GatewayConfig keepRuntimeOf(GatewayConfig running) {
        return new GatewayConfig(source, version, running.server, upstream, running.dataDir, running.mockEnabled,
                providers, routes.withHealthFrom(running.routes), keys);
    }

    /** Names the restart-only settings in which this snapshot differs from {@code running}. */
    public java.util.List<String> restartOnlyChanges(GatewayConfig running) {
        java.util.List<String> out = new java.util.ArrayList<>();
        ServerSettings a = server;
        ServerSettings b = running.server;
        if (a.ioThreads() != b.ioThreads() || a.maxBodyBytes() != b.maxBodyBytes()
                || a.maxHeaderBytes() != b.maxHeaderBytes() || a.maxRequestLineBytes() != b.maxRequestLineBytes()
                || a.journalRingBytes() != b.journalRingBytes() || !a.journalMode().equals(b.journalMode())
                || !a.host().equals(b.host())) {
            out.add("server");
        }
        if (!dataDir.equals(running.dataDir)) {
            out.add("data_dir");
        }
        if (mockEnabled != running.mockEnabled) {
            out.add("mock_provider.enabled");
        }
        return out;
    }

    /** Returns a copy that keeps its data under another directory. */
    public GatewayConfig withDataDir(Path dir) {
        return new GatewayConfig(source, version, server, upstream, dir, mockEnabled, providers, routes, keys);
    }

    @Override
    public String toString() {
        return "GatewayConfig{" + source + " v" + version + ", " + server + ", providers=" + providers.keySet()
                + ", routes=" + routes.size() + ", keys=" + keys.keys().size() + '}';
    }
}
