package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.StoredKey;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentVersion;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One immutable snapshot of the gateway's configuration: server limits, upstream timeouts, providers, routes,
 * keys (from the configuration and, through {@link #withRuntimeKeys}, created at run time), teams, projects,
 * limits, budgets and prices. A reload builds a new snapshot and swaps one reference; a request finishes on the snapshot it started
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
    private final Governance gov;
    /** The keys of the configuration file; {@link #keys} is these merged with {@link #storedKeys}. */
    private final List<ApiKey> confKeys;
    private final List<StoredKey> storedKeys;
    private final List<String> keyWarnings;
    /** The "model" admission scope of each route index, null where the alias has no limits. */
    private final Scope[] modelScopes;
    /** Each provider origin's address, resolved off the event loops before the snapshot went into use. */
    private final Map<String, InetSocketAddress> addresses;

    /** A snapshot without governance: no teams, projects, limits, budgets, prices table, admin token or Redis. */
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
        this.gov = Governance.NONE;
        this.confKeys = keys.keys();
        this.storedKeys = List.of();
        this.keyWarnings = List.of();
        this.modelScopes = new Scope[routes.size()];
        this.addresses = Map.of();
    }

    GatewayConfig(String source, String version, ServerSettings server, UpstreamSettings upstream, Path dataDir,
                  boolean mockEnabled, Map<String, ProviderConfig> providers, RouteTable routes, KeyTable keys,
                  Governance gov, List<ApiKey> confKeys, List<StoredKey> storedKeys, List<String> keyWarnings) {
        this(source, version, server, upstream, dataDir, mockEnabled, providers, routes, keys, gov, confKeys,
                storedKeys, keyWarnings, Map.of());
    }

    private GatewayConfig(String source, String version, ServerSettings server, UpstreamSettings upstream,
                          Path dataDir, boolean mockEnabled, Map<String, ProviderConfig> providers, RouteTable routes,
                          KeyTable keys, Governance gov, List<ApiKey> confKeys, List<StoredKey> storedKeys,
                          List<String> keyWarnings, Map<String, InetSocketAddress> addresses) {
        this.addresses = Map.copyOf(addresses);
        this.source = requireNonNull(source, "source");
        this.version = requireNonNull(version, "version");
        this.server = requireNonNull(server, "server");
        this.upstream = requireNonNull(upstream, "upstream");
        this.dataDir = requireNonNull(dataDir, "dataDir");
        this.mockEnabled = mockEnabled;
        this.providers = Map.copyOf(providers);
        this.routes = requireNonNull(routes, "routes");
        this.keys = requireNonNull(keys, "keys");
        this.gov = requireNonNull(gov, "gov");
        this.confKeys = List.copyOf(confKeys);
        this.storedKeys = List.copyOf(storedKeys);
        this.keyWarnings = List.copyOf(keyWarnings);
        this.modelScopes = new Scope[routes.size()];
        for (Route r : routes.routes()) {
            Limits l = gov.modelLimits.get(r.name());
            if (l != null && !l.isNone()) {
                modelScopes[r.index()] = new Scope("model", r.name(), l, null);
            }
        }
    }

    /**
     * A copy with other server side parts and the same governance, configuration keys and stored keys. The providers
     * may differ, so no address is carried over: the copy is resolved again ({@link #withAddresses}).
     */
    private GatewayConfig with(ServerSettings s, Path dir, boolean mock, Map<String, ProviderConfig> p,
                               RouteTable r, KeyTable k) {
        return new GatewayConfig(source, version, s, upstream, dir, mock, p, r, k, gov, confKeys, storedKeys,
                keyWarnings);
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
        Map<String, ProviderConfig> bound = new LinkedHashMap<>();
        providers.forEach((n, p) -> bound.put(n, p.builtInMock() ? p.withPort(mockPort) : p));
        ServerSettings s = server.withPorts(port < 0 ? server.port() : port, adminPort < 0 ? server.adminPort() : adminPort);
        return with(s, dataDir, mockEnabled, bound, routes.withProviders(bound), keys);
    }

    /**
     * Returns a copy with the settings a running gateway cannot change taken from {@code running}: where it listens
     * and its request size limits (the server section but its client limits and TLS files), its data directory,
     * whether the built-in mock runs. Deployments that serve the same
     * alias from the same provider and model keep their health (circuits, cool-downs, counters). The keys created
     * at run time that {@code running} holds are carried over, resolved against this snapshot's routes and teams.
     */
    public GatewayConfig keepRuntimeOf(GatewayConfig running) {
        // The client limits and the TLS files of the server section apply on a reload; its other settings need a
        // restart.
        GatewayConfig kept = with(running.server.withReloadable(server.limits(), server.tls()), running.dataDir,
                running.mockEnabled, providers, routes.withHealthFrom(running.routes), keys);
        return running.storedKeys.isEmpty() ? kept : kept.withRuntimeKeys(running.storedKeys);
    }

    /** Names the restart-only settings in which this snapshot differs from {@code running}. */
    public List<String> restartOnlyChanges(GatewayConfig running) {
        List<String> out = new ArrayList<>();
        ServerSettings a = server;
        ServerSettings b = running.server;
        if (a.ioThreads() != b.ioThreads() || a.maxBodyBytes() != b.maxBodyBytes()
                || a.maxHeaderBytes() != b.maxHeaderBytes() || a.maxRequestLineBytes() != b.maxRequestLineBytes()
                || a.journalRingBytes() != b.journalRingBytes() || !a.journalMode().equals(b.journalMode())
                || a.journalMinFreeBytes() != b.journalMinFreeBytes()
                || a.journalMinFreePercent() != b.journalMinFreePercent() || !a.host().equals(b.host())
                || a.backgroundNice() != b.backgroundNice()) {
            out.add("server");
        }
        if (!dataDir.equals(running.dataDir)) {
            out.add("data_dir");
        }
        if (mockEnabled != running.mockEnabled) {
            out.add("mock_provider.enabled");
        }
        if (!Objects.equals(gov.journal.signingKeyFile(), running.gov.journal.signingKeyFile())) {
            out.add("journal.signing_key_file");
        }
        if (!gov.journal.rollCycle().equals(running.gov.journal.rollCycle())) {
            out.add("journal.roll_cycle");
        }
        return out;
    }

    /** Returns a copy that keeps its data under another directory. */
    public GatewayConfig withDataDir(Path dir) {
        return with(server, dir, mockEnabled, providers, routes, keys);
    }

    /**
     * Returns a copy holding each provider origin's resolved address ({@link ProviderConfig#origin()} to address),
     * so that a request finds the addresses of the snapshot it started with. Resolve off the event loops.
     */
    public GatewayConfig withAddresses(Map<String, InetSocketAddress> resolved) {
        return new GatewayConfig(source, version, server, upstream, dataDir, mockEnabled, providers, routes, keys, gov,
                confKeys, storedKeys, keyWarnings, resolved);
    }

    /** Returns the provider's resolved address in this snapshot, or {@code null} when it could not be resolved. */
    public InetSocketAddress address(ProviderConfig provider) {
        return addresses.get(provider.origin());
    }

    /** Returns the {@code governance:} settings (budget time zone, default output reservation). */
    /** The agents this snapshot serves: versions, labels ({@link #withAgents}); empty until the store was read. */
    public AgentCatalog agents() {
        return gov.agents;
    }

    /** Keys' and teams' {@code agents:} entries that name no agent: they allow nothing. */
    public List<String> agentWarnings() {
        return gov.agentWarnings;
    }

    /** The version each agent's files in {@code conf/agents/} make, by name. */
    public Map<String, AgentVersion> agentFiles() {
        return gov.agentFiles;
    }

    /** A copy serving {@code catalog} (made by {@link AgentStore} from {@link #agentFiles}), all else the same. */
    public GatewayConfig withAgents(AgentCatalog catalog) {
        return new GatewayConfig(source, version, server, upstream, dataDir, mockEnabled, providers, routes, keys,
                gov.withAgents(catalog), confKeys, storedKeys, keyWarnings, addresses);
    }

    public GovernanceSettings governance() {
        return gov.settings;
    }

    /** Returns the teams of {@code teams:} by name (empty when there is none). */
    public Map<String, Team> teams() {
        return gov.teams;
    }

    /** Returns the team of that name, or {@code null}. */
    public Team team(String name) {
        return name == null ? null : gov.teams.get(name);
    }

    /** Returns the projects of {@code projects:} by name. */
    public Map<String, Project> projects() {
        return gov.projects;
    }

    /** Returns the rate limits of model aliases that have some ({@code models.<alias>.limits}). */
    public Map<String, Limits> modelLimits() {
        return gov.modelLimits;
    }

    /** Returns a copy of the SHA-256 of the admin token, or {@code null} when none is configured. */
    public byte[] adminTokenDigest() {
        return gov.adminTokenDigest == null ? null : gov.adminTokenDigest.clone();
    }

    /** Returns whether {@code digest} is the admin token's digest, compared in constant time. */
    public boolean isAdminToken(byte[] digest) {
        return gov.adminTokenDigest != null && digest != null && MessageDigest.isEqual(gov.adminTokenDigest, digest);
    }

    /**
     * Returns the agent owner whose own admin token ({@code admin.owners}) has this digest, or {@code null}. Every
     * owner's token is compared, each in constant time.
     */
    public String ownerForAdminToken(byte[] digest) {
        if (digest == null) {
            return null;
        }
        String found = null;
        for (Map.Entry<String, byte[]> e : gov.ownerTokenDigests.entrySet()) {
            if (MessageDigest.isEqual(e.getValue(), digest)) {
                found = e.getKey();
            }
        }
        return found;
    }

    /**
     * Whether agent owners have tokens of their own ({@code admin.owners}): then only an owner's own token moves an
     * agent's labels, and the gateway admin token no longer acts for an owner.
     */
    public boolean ownerTokensDeclared() {
        return !gov.ownerTokenDigests.isEmpty();
    }

    /**
     * Returns the team whose team admin token has this digest, or {@code null}. Every team's token is compared,
     * each in constant time, so the time taken does not tell which team (or none) matched.
     */
    public Team teamForAdminToken(byte[] digest) {
        if (digest == null) {
            return null;
        }
        Team found = null;
        for (Team t : gov.teams.values()) {
            if (t.adminTokenMatches(digest)) {
                found = t;
            }
        }
        return found;
    }

    /** Returns the {@code redis:} settings, or {@code null} when counters are local to this process. */
    /** The {@code journal:} settings: capture, redaction, signing key, retention. */
    public JournalPolicy journal() {
        return gov.journal;
    }

    /** The shadow declaration of model alias {@code alias}, or null. Allocation-free (every request asks). */
    public Shadow shadow(String alias) {
        return gov.shadows.isEmpty() ? null : gov.shadows.get(alias);
    }

    /**
     * The shadow declaration a shadow request's source names: a model alias's, or an agent's as its files are now
     * ({@code agent/NAME}); null when there is none (any more).
     */
    public Shadow shadowOf(String source) {
        if (source != null && source.startsWith(AgentCatalog.MODEL_PREFIX)) {
            AgentCatalog.Agent a = agents().agent(source.substring(AgentCatalog.MODEL_PREFIX.length()));
            return a == null ? null : a.files().settings().shadow();
        }
        return shadow(source);
    }

    /** Every shadow declaration, by source alias. */
    public Map<String, Shadow> shadows() {
        return gov.shadows;
    }

    public RedisSettings redis() {
        return gov.redis;
    }

    /** Where OpenTelemetry traces and metrics go, {@code null} when nowhere (the default). */
    public TelemetrySettings telemetry() {
        return gov.telemetry;
    }

    /** Returns the price table ({@link PriceTable#EMPTY} when none was found). */
    public PriceTable pricing() {
        return gov.pricing;
    }

    /**
     * Returns {@code alias: provider/model} for each deployment with neither a {@code price:} nor a price table
     * entry in force: its cost is unknown. The gateway logs them at start.
     */
    public List<String> unpricedDeployments() {
        return gov.unpriced;
    }

    /** Returns the keys created at run time this snapshot was built with (revoked ones included). */
    public List<StoredKey> storedKeys() {
        return storedKeys;
    }

    /** Returns what {@link #withRuntimeKeys} could not resolve fully (unknown team, model, endpoint, digest). */
    public List<String> keyWarnings() {
        return keyWarnings;
    }

    /**
     * Returns the admission scopes of a request, most specific first: the key's, its team's, the model alias's and
     * the project's, each only when it has limits or a budget. Empty when nothing governs the request. Allocates
     * the returned list only.
     *
     * @param key the caller's key, or {@code null}
     * @param project the request's project tag, or {@code null}
     * @param route the requested alias, or {@code null}
     */
    public List<Scope> scopes(ApiKey key, String project, Route route) {
        Scope k = key == null ? null : key.scope();
        Team team = key == null ? null : key.teamConfig();
        Scope t = team == null ? null : team.scope();
        Scope m = null;
        if (route != null && route.index() < modelScopes.length) {
            Scope candidate = modelScopes[route.index()];
            if (candidate != null && candidate.id().equals(route.name())) {
                m = candidate;
            }
        }
        Project p = project == null ? null : gov.projects.get(project);
        Scope ps = p == null ? null : p.scope();
        int n = (k == null ? 0 : 1) + (t == null ? 0 : 1) + (m == null ? 0 : 1) + (ps == null ? 0 : 1);
        if (n == 0) {
            return List.of();
        }
        Scope[] out = new Scope[n];
        int i = 0;
        i = put(out, i, k);
        i = put(out, i, t);
        i = put(out, i, m);
        put(out, i, ps);
        return List.of(out);
    }

    private static int put(Scope[] out, int i, Scope s) {
        if (s == null) {
            return i;
        }
        out[i] = s;
        return i + 1;
    }

    /**
     * Returns a snapshot whose key table holds this configuration's keys plus {@code stored} (resolved against this
     * snapshot's routes and teams), without revoked ones. A stored key with the id of a configuration key replaces
     * it; when revoked, it revokes the configuration key. A stored key naming an unknown model, endpoint or team is
     * kept with that part allowing nothing; a malformed digest, or a digest another key already has, is skipped.
     * Both are reported by {@link #keyWarnings()} of the result.
     */
    public GatewayConfig withRuntimeKeys(List<StoredKey> stored) {
        Map<String, StoredKey> byId = new LinkedHashMap<>();
        for (StoredKey s : stored) {
            byId.put(s.id(), s);
        }
        List<String> warnings = new ArrayList<>();
        List<ApiKey> out = new ArrayList<>();
        Set<ByteBuffer> digests = new HashSet<>();
        for (ApiKey c : confKeys) {
            if (!byId.containsKey(c.id())) {
                out.add(c);
                digests.add(ByteBuffer.wrap(c.digest()));
            }
        }
        for (StoredKey s : byId.values()) {
            if (s.revoked()) {
                continue;
            }
            ApiKey k = StoredKeys.resolve(s, routes, gov, warnings);
            if (k == null) {
                continue;
            }
            if (!digests.add(ByteBuffer.wrap(k.digest()))) {
                warnings.add("stored key '" + s.id() + "': another key has the same hash, ignored");
                continue;
            }
            out.add(k);
        }
        return new GatewayConfig(source, version, server, upstream, dataDir, mockEnabled, providers, routes,
                new KeyTable(out), gov, confKeys, List.copyOf(byId.values()), warnings, addresses);
    }

    /**
     * Returns why a key to be created at run time cannot be (malformed digest, a team not in {@code teams:}, an
     * unknown model alias, endpoint or tag name, a digest another key has), or {@code null} when it can.
     */
    public String checkStoredKey(StoredKey key) {
        String problem = StoredKeys.check(key, routes, gov);
        if (problem != null) {
            return problem;
        }
        byte[] d = StoredKeys.digestOf(key.digestHex());
        ApiKey existing = keys.lookup(d);
        if (existing != null && !existing.id().equals(key.id())) {
            return "digest: another key has the same secret";
        }
        return null;
    }

    @Override
    public String toString() {
        return "GatewayConfig{" + source + " v" + version + ", " + server + ", providers=" + providers.keySet()
                + ", routes=" + routes.size() + ", keys=" + keys.keys().size() + '}';
    }
}
