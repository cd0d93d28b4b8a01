package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.internal.LocatedYaml;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads {@code conf/sluice.yaml} (and the price table it names, {@code prices.yaml} beside it by default) into a
 * validated {@link GatewayConfig}. Every problem is reported as a {@link ConfigException} naming the file, the line
 * and the field; unknown settings are errors. {@code ${VAR}} and {@code ${VAR:-default}} in string values are taken
 * from the environment given. A relative path in the file ({@code data_dir}, {@code pricing},
 * {@code journal.signing_key_file}, the files of {@code server.tls}), one taken from a variable included, is relative
 * to the file's directory, never to the working directory. This class reads the server, governance, teams, projects,
 * keys, Redis and admin sections; {@link RouteSection} the providers and models, {@link TlsSection} the TLS files,
 * {@link ConfigSection} one typed setting at a time. Confined to the calling thread (never an event loop:
 * {@link #load}, the price table and the TLS files read files).
 */
public final class ConfigLoader extends ConfigSection {
    /** The value of {@code base_url} that points a provider at the built-in mock. */
    public static final String MOCK_BASE_URL = "mock";

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    /** The price table read when {@code pricing:} names none and the file exists beside the configuration. */
    public static final String DEFAULT_PRICING_FILE = "prices.yaml";
    private static final long MAX_OUTPUT_TOKENS = 100_000_000L;

    /** The directory of agents, beside the configuration file. */
    public static final String AGENTS_DIR = "agents";

    private final RouteSection routeSection;
    /** The agents read so far, which keys and teams may name. */
    private Set<String> agentNames = Set.of();
    private final List<String> agentWarnings = new ArrayList<>();
    private final Path dir;
    private final long nowMs;

    private ConfigLoader(String file, LocatedYaml yaml, Map<String, String> env, Path dir, long nowMs) {
        super(file, yaml, env);
        this.routeSection = new RouteSection(file, yaml, env);
        this.dir = dir;
        this.nowMs = nowMs;
    }

    /** Loads and validates a configuration file. */
    public static GatewayConfig load(Path path, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text, env, path.toAbsolutePath().getParent(), Clock.SYSTEM.wallMs());
    }

    /**
     * Validates configuration text; {@code file} names it in errors, and relative paths are taken, and a price table
     * looked for, beside it (when {@code file} is a path).
     */
    public static GatewayConfig parse(String file, String text, Map<String, String> env) throws ConfigException {
        Path dir;
        try {
            dir = Path.of(file).toAbsolutePath().getParent();
        } catch (InvalidPathException e) {
            dir = null;
        }
        return parse(file, text, env, dir, Clock.SYSTEM.wallMs());
    }

    /**
     * Validates configuration text.
     *
     * @param dir the directory relative paths are relative to ({@code data_dir}, {@code pricing},
     *            {@code journal.signing_key_file}) and where {@code prices.yaml} is looked for by default, or
     *            {@code null}: relative paths stay as they are, and no price table unless {@code pricing:} is absolute
     * @param nowMs the time whose prices are in force (deployments without {@code price:} take the table's)
     */
    public static GatewayConfig parse(String file, String text, Map<String, String> env, Path dir, long nowMs)
            throws ConfigException {
        LocatedYaml yaml = mapping(file, text, "a mapping at the top level");
        return new ConfigLoader(file, yaml, env, dir, nowMs).build(text);
    }

    /** Reads a price table file ({@code prices:} list); {@code file} names it in errors. */
    public static PriceTable parsePrices(String file, String text) throws ConfigException {
        LocatedYaml yaml = mapping(file, text, "a mapping with prices: at the top level");
        return new ConfigLoader(file, yaml, Map.of(), null, 0).prices();
    }

    private GatewayConfig build(String text) throws ConfigException {
        JsonNode root = yaml.root();
        checkKeys(root, "", "server", "upstream", "data_dir", "mock_provider", "providers", "models", "keys",
                "governance", "admin", "teams", "projects", "redis", "pricing", "journal", "telemetry");

        JsonNode s = root.path("server");
        checkKeys(s, "server", "host", "port", "admin_port", "io_threads", "max_body_bytes", "max_header_bytes",
                "max_request_line_bytes", "journal_ring_bytes", "journal_mode", "journal_min_free_bytes",
                "journal_min_free_percent", "drain_timeout_ms", "background_nice", "header_timeout_ms",
                "body_timeout_ms", "idle_timeout_ms", "send_timeout_ms", "max_connections",
                "max_requests_per_connection", "max_in_flight", "memory_guard_percent", "tls");
        StringBuilder tlsText = new StringBuilder();
        TlsSettings tls = new TlsSection(file, yaml, env, dir).tls(s, tlsText);
        ServerSettings server = new ServerSettings(
                str(s, "server.host", ServerSettings.DEFAULT_HOST),
                (int) num(s, "server.port", ServerSettings.DEFAULT_PORT, 0, 65535),
                (int) num(s, "server.admin_port", ServerSettings.DEFAULT_ADMIN_PORT, 0, 65535),
                (int) num(s, "server.io_threads", 0, 0, 256),
                (int) num(s, "server.max_body_bytes", ServerSettings.DEFAULT_MAX_BODY_BYTES, 1024, 1 << 30),
                (int) num(s, "server.max_header_bytes", ServerSettings.DEFAULT_MAX_HEADER_BYTES, 1024, 1 << 20),
                (int) num(s, "server.max_request_line_bytes", ServerSettings.DEFAULT_MAX_REQUEST_LINE_BYTES, 256,
                        1 << 20),
                (int) num(s, "server.journal_ring_bytes", ServerSettings.DEFAULT_JOURNAL_RING_BYTES, 64 * 1024,
                        1 << 30),
                str(s, "server.journal_mode", ServerSettings.JOURNAL_DIRECT),
                num(s, "server.journal_min_free_bytes", ServerSettings.DEFAULT_JOURNAL_MIN_FREE_BYTES, 0,
                        Long.MAX_VALUE / 100),
                (int) num(s, "server.journal_min_free_percent", ServerSettings.DEFAULT_JOURNAL_MIN_FREE_PERCENT, 0,
                        99),
                num(s, "server.drain_timeout_ms", ServerSettings.DEFAULT_DRAIN_TIMEOUT_MS, 0, 3_600_000),
                (int) num(s, "server.background_nice", ServerSettings.DEFAULT_BACKGROUND_NICE, 0, 19),
                new ClientLimits(
                        num(s, "server.header_timeout_ms", ClientLimits.DEFAULT_HEADER_TIMEOUT_MS, 100, 3_600_000),
                        num(s, "server.body_timeout_ms", ClientLimits.DEFAULT_BODY_TIMEOUT_MS, 100, 3_600_000),
                        num(s, "server.idle_timeout_ms", ClientLimits.DEFAULT_IDLE_TIMEOUT_MS, 100, 3_600_000),
                        num(s, "server.send_timeout_ms", ClientLimits.DEFAULT_SEND_TIMEOUT_MS, 100, 3_600_000),
                        (int) num(s, "server.max_connections", ClientLimits.DEFAULT_MAX_CONNECTIONS, 1, 1_000_000),
                        (int) num(s, "server.max_requests_per_connection",
                                ClientLimits.DEFAULT_MAX_REQUESTS_PER_CONNECTION, 1, Integer.MAX_VALUE),
                        (int) num(s, "server.max_in_flight", ClientLimits.DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
                        (int) num(s, "server.memory_guard_percent", ClientLimits.DEFAULT_MEMORY_GUARD_PERCENT, 0,
                                99)),
                tls);
        if (!server.journalMode().equals(ServerSettings.JOURNAL_DIRECT)
                && !server.journalMode().equals(ServerSettings.JOURNAL_HANDOFF)) {
            throw error("server.journal_mode", "'" + server.journalMode() + "' (expected: direct or handoff)");
        }
        if (Integer.bitCount(server.journalRingBytes()) != 1) {
            throw error("server.journal_ring_bytes", server.journalRingBytes() + " (expected: a power of two)");
        }

        JsonNode u = root.path("upstream");
        checkKeys(u, "upstream", "connect_timeout_ms", "first_byte_timeout_ms", "first_token_timeout_ms",
                "idle_timeout_ms", "total_timeout_ms", "max_event_bytes", "attempts", "backoff_ms", "max_backoff_ms",
                "max_retry_after_ms", "resend_after_dispatch", "circuit");
        if (u.has("first_byte_timeout_ms") && u.has("first_token_timeout_ms")) {
            throw error("upstream.first_token_timeout_ms", "is the same setting as first_byte_timeout_ms (set one)");
        }
        String firstToken = u.has("first_token_timeout_ms") ? "first_token_timeout_ms" : "first_byte_timeout_ms";
        RoutePolicy defaults = routeSection.retries(u, "upstream", RoutePolicy.DEFAULTS).withTimeouts(
                num(u, "upstream.connect_timeout_ms", RoutePolicy.DEFAULT_CONNECT_TIMEOUT_MS, 1, MAX_CONNECT_MS),
                num(u, "upstream." + firstToken, RoutePolicy.DEFAULT_FIRST_TOKEN_TIMEOUT_MS, 1, MAX_PHASE_MS),
                num(u, "upstream.idle_timeout_ms", RoutePolicy.DEFAULT_IDLE_TIMEOUT_MS, 1, MAX_PHASE_MS),
                num(u, "upstream.total_timeout_ms", RoutePolicy.DEFAULT_TOTAL_TIMEOUT_MS, 0, MAX_TOTAL_MS));
        UpstreamSettings upstream = new UpstreamSettings(defaults,
                (int) num(u, "upstream.max_event_bytes", UpstreamSettings.DEFAULT_MAX_EVENT_BYTES, 1024, 64 << 20));

        Path dataDir = path(root, "data_dir", "data", dir);
        JsonNode m = root.path("mock_provider");
        checkKeys(m, "mock_provider", "enabled");
        boolean mockEnabled = bool(m, "mock_provider.enabled", true);

        GovernanceSettings settings = governance(root.path("governance"));
        String[] pricesText = new String[1];
        PriceTable prices = pricing(root, pricesText);
        LocalDate today = LocalDate.ofInstant(Instant.ofEpochMilli(nowMs), settings.zone());

        Map<String, ProviderConfig> providers = routeSection.providers(root.path("providers"), mockEnabled);
        Map<String, Limits> modelLimits = new LinkedHashMap<>();
        List<String> unpriced = new ArrayList<>();
        List<Route> routes = routeSection.routes(root.path("models"), providers, defaults, prices, today, modelLimits,
                unpriced);
        RouteTable routeTable = new RouteTable(routes);
        boolean teamsDeclared = root.has("teams") && !root.get("teams").isNull();
        Set<String> teamNames = teamsDeclared ? fieldNames(root.path("teams")) : null;
        Map<String, AgentVersion> agents = dir == null ? Map.of()
                : AgentSection.readAll(dir.resolve(AGENTS_DIR), aliases(routes), teamNames);
        this.agentNames = agents.keySet();
        Map<String, Team> teams = teams(root.path("teams"), routeTable);
        Map<String, Project> projects = projects(root.path("projects"));
        byte[] adminDigest = adminToken(root.path("admin"), "admin", "token", "token_hash");
        Map<String, byte[]> ownerDigests = ownerTokens(root.path("admin").path("owners"));
        RedisSettings redis = redis(root.path("redis"));
        TelemetrySettings telemetry = telemetry(root.path("telemetry"));
        List<ApiKey> keyList = keys(root.path("keys"), routeTable, teamsDeclared, teams, settings);
        KeyTable keys;
        try {
            keys = new KeyTable(keyList);
        } catch (IllegalArgumentException ex) {
            throw error("keys", ex.getMessage());
        }
        JournalPolicy journal = new JournalSection(file, yaml, env, dir).journal(root);
        Governance gov = new Governance(settings, teamsDeclared, teams, projects, modelLimits, adminDigest,
                ownerDigests, redis, prices, unpriced, journal, agents, AgentCatalog.EMPTY, agentWarnings,
                routeSection.shadows(root.path("models"), routeTable), telemetry);
        // The files the configuration names are part of what it is: a new price table, a certificate replaced
        // under the same name or an agent's files edited is a new version, which a reload applies.
        StringBuilder agentVersions = new StringBuilder();
        for (AgentVersion a : agents.values()) {
            agentVersions.append('\0').append(a.name()).append('@').append(a.version());
        }
        String version = versionOf((pricesText[0] == null ? text : text + '\0' + pricesText[0])
                + (tlsText.length() == 0 ? "" : "\0" + tlsText) + agentVersions);
        return new GatewayConfig(file, version, server, upstream, dataDir, mockEnabled, providers, routeTable, keys,
                gov, keyList, List.of(), List.of());
    }

    /**
     * Reads an {@code agents:} list of a key or a team: names of agents under {@code conf/agents/} (a name with no
     * agent is a warning, {@link GatewayConfig#agentWarnings}); {@code absent} when there is none.
     */
    private Set<String> agentGrants(JsonNode n, String path, Set<String> absent) throws ConfigException {
        if (n.isMissingNode() || n.isNull()) {
            return absent;
        }
        if (!n.isArray()) {
            throw error(path, "expected a list of agent names");
        }
        Set<String> out = new TreeSet<>();
        for (int i = 0; i < n.size(); i++) {
            String name = n.get(i).asText();
            if (!AgentCatalog.NAME.matcher(name).matches()) {
                throw error(path + "[" + i + "]", "'" + name + "' is not an agent name");
            }
            if (!agentNames.contains(name)) {
                // A warning, not an error: a configuration copied without its agents/ directory still starts.
                agentWarnings.add(path + ": '" + name + "' is not an agent under " + AGENTS_DIR + "/ beside "
                        + file + ", so it allows nothing");
            }
            out.add(name);
        }
        return out;
    }

    private static Set<String> aliases(List<Route> routes) {
        Set<String> out = new TreeSet<>();
        for (Route r : routes) {
            out.add(r.name());
        }
        return out;
    }

    private static Set<String> fieldNames(JsonNode n) {
        Set<String> out = new TreeSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    private GovernanceSettings governance(JsonNode g) throws ConfigException {
        checkKeys(g, "governance", "timezone", "default_max_output_tokens");
        String zoneText = str(g, "governance.timezone", "UTC");
        ZoneId zone;
        try {
            zone = ZoneId.of(zoneText);
        } catch (DateTimeException e) {
            throw error("governance.timezone", "'" + zoneText + "' (expected: a time zone such as UTC, Europe/Paris "
                    + "or +02:00)");
        }
        long maxOut = num(g, "governance.default_max_output_tokens", GovernanceSettings.DEFAULT_MAX_OUTPUT_TOKENS, 0,
                MAX_OUTPUT_TOKENS);
        return new GovernanceSettings(zone, maxOut);
    }

    /** Reads the price table {@code pricing:} names, or {@code prices.yaml} beside the file when it exists. */
    private PriceTable pricing(JsonNode root, String[] textOut) throws ConfigException {
        Path p = path(root, "pricing", null, dir);
        if (p == null) {
            if (dir == null || !Files.isRegularFile(dir.resolve(DEFAULT_PRICING_FILE))) {
                return PriceTable.EMPTY;
            }
            p = dir.resolve(DEFAULT_PRICING_FILE);
        }
        String text;
        try {
            text = Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw error("pricing", "cannot read " + p + ": " + e.getMessage());
        }
        textOut[0] = text;
        return parsePrices(p.toString(), text);
    }

    private PriceTable prices() throws ConfigException {
        JsonNode root = yaml.root();
        checkKeys(root, "", "prices");
        JsonNode list = root.path("prices");
        if (!list.isArray()) {
            throw error("prices", "expected a list of {provider, model, input, output, cached_input, cache_write, "
                    + "effective}");
        }
        List<PriceTable.Entry> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "prices[" + i + "]";
            JsonNode e = list.get(i);
            checkKeys(e, path, "provider", "model", "input", "output", "cached_input", "cache_write", "effective");
            String kindText = str(e, path + ".provider", null);
            ProviderKind kind = ProviderKind.parse(kindText);
            if (kind == null) {
                throw error(path + ".provider", "'" + kindText + "' (expected: openai or anthropic)");
            }
            String model = str(e, path + ".model", null);
            if (model == null || model.isEmpty()) {
                throw error(path + ".model", "missing (expected: the provider's model id)");
            }
            String eff = str(e, path + ".effective", null);
            LocalDate effective;
            try {
                effective = LocalDate.parse(eff == null ? "" : eff);
            } catch (DateTimeParseException ex) {
                throw error(path + ".effective", "'" + eff + "' (expected: the date the price applies from, "
                        + "YYYY-MM-DD)");
            }
            Price price = price(e, path);
            for (PriceTable.Entry other : out) {
                if (other.provider() == kind && other.model().equals(model) && other.effective().equals(effective)) {
                    throw error(path, kind.configName() + " " + model + " has two prices effective " + effective);
                }
            }
            out.add(new PriceTable.Entry(kind, model, effective, price));
        }
        return new PriceTable(file, out);
    }

    /** Reads the allowed aliases at {@code path}: a list, or "*" (all, also the default when absent). */
    private boolean models(JsonNode models, String path, RouteTable routes, BitSet allowed) throws ConfigException {
        if (models.isMissingNode() || models.isNull()) {
            return true;
        }
        if (models.isTextual() && models.asText().equals("*")) {
            return true;
        }
        if (!models.isArray()) {
            throw error(path, "expected a list of model aliases, or \"*\"");
        }
        boolean all = false;
        for (int j = 0; j < models.size(); j++) {
            String alias = models.get(j).asText();
            if (alias.equals("*")) {
                all = true;
                continue;
            }
            Route r = routes.lookup(alias);
            if (r == null) {
                throw error(path + "[" + j + "]", "'" + alias + "' is not a model alias in models:");
            }
            allowed.set(r.index());
        }
        return all;
    }

    private int endpoints(JsonNode list, String path) throws ConfigException {
        if (list.isMissingNode() || list.isNull()) {
            return Endpoints.ALL;
        }
        if (list.isTextual() && list.asText().equals("*")) {
            return Endpoints.ALL;
        }
        if (!list.isArray()) {
            throw error(path, "expected a list of endpoints (" + Endpoints.names() + "), or \"*\"");
        }
        int mask = 0;
        for (int j = 0; j < list.size(); j++) {
            String name = list.get(j).asText();
            if (name.equals("*")) {
                return Endpoints.ALL;
            }
            Endpoint e = Endpoints.parse(name);
            if (e == null) {
                throw error(path + "[" + j + "]", "'" + name + "' (expected one of: " + Endpoints.names() + ")");
            }
            mask |= Endpoints.bit(e);
        }
        return mask;
    }

    private Map<String, Team> teams(JsonNode node, RouteTable routes) throws ConfigException {
        Map<String, Team> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("teams", "expected a mapping of team name to its settings");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String name = e.getKey();
            String path = "teams." + name;
            JsonNode t = e.getValue();
            if (t.isNull()) {
                out.put(name, new Team(name, false, true, new BitSet(), Endpoints.ALL, Limits.NONE, null, null));
                continue;
            }
            checkKeys(t, path, "disabled", "models", "endpoints", "limits", "budget", "admin_token",
                    "admin_token_hash", "capture", "agents");
            BitSet allowed = new BitSet();
            boolean all = models(t.path("models"), path + ".models", routes, allowed);
            out.put(name, new Team(name, bool(t, path + ".disabled", false), all, allowed,
                    endpoints(t.path("endpoints"), path + ".endpoints"), limits(t.path("limits"), path + ".limits"),
                    budget(t.path("budget"), path + ".budget"),
                    adminToken(t, path, "admin_token", "admin_token_hash"),
                    agentGrants(t.path("agents"), path + ".agents", null)));
        }
        return out;
    }

    private Map<String, Project> projects(JsonNode node) throws ConfigException {
        Map<String, Project> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("projects", "expected a mapping of project name to its limits and budget");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String path = "projects." + e.getKey();
            checkKeys(e.getValue(), path, "limits", "budget");
            out.put(e.getKey(), new Project(e.getKey(), limits(e.getValue().path("limits"), path + ".limits"),
                    budget(e.getValue().path("budget"), path + ".budget")));
        }
        return out;
    }

    /**
     * Reads a token given as plaintext ({@code plainKey}, hashed here and never kept) or as a hash
     * ({@code hashKey}); returns its SHA-256, or {@code null} when neither is set (or the plaintext is empty).
     */
    private byte[] adminToken(JsonNode n, String path, String plainKey, String hashKey) throws ConfigException {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (path.equals("admin")) {
            checkKeys(n, path, plainKey, hashKey, "owners");
        }
        String plain = str(n, path + '.' + plainKey, null);
        String hash = str(n, path + '.' + hashKey, null);
        if (plain != null && !plain.isEmpty() && hash != null && !hash.isEmpty()) {
            throw error(path + '.' + hashKey, "cannot be combined with " + plainKey + " (set one)");
        }
        if (plain != null && !plain.isEmpty()) {
            return StoredKeys.digestOf(KeyDigester.sha256Hex(plain));
        }
        if (hash != null && !hash.isEmpty()) {
            return digest(hash, path + '.' + hashKey);
        }
        return null;
    }

    /**
     * Reads {@code admin.owners}: each agent owner's own admin token ({@code token} or {@code token_hash}), with
     * which the owner moves an agent's labels as themself. Empty when absent.
     */
    private Map<String, byte[]> ownerTokens(JsonNode n) throws ConfigException {
        Map<String, byte[]> out = new TreeMap<>();
        if (n.isMissingNode() || n.isNull()) {
            return out;
        }
        if (!n.isObject()) {
            throw error("admin.owners", "expected a mapping of owner name to {token: ...} or {token_hash: ...}");
        }
        for (Map.Entry<String, JsonNode> e : n.properties()) {
            String path = "admin.owners." + e.getKey();
            if (!e.getValue().isObject()) {
                throw error(path, "expected {token: ...} or {token_hash: sha256:<hex>}");
            }
            checkKeys(e.getValue(), path, "token", "token_hash");
            byte[] digest = adminToken(e.getValue(), path, "token", "token_hash");
            if (digest == null) {
                throw error(path, "missing token (expected token: ${VARIABLE} or token_hash: sha256:<hex>)");
            }
            for (Map.Entry<String, byte[]> other : out.entrySet()) {
                if (MessageDigest.isEqual(other.getValue(), digest)) {
                    throw error(path, "the same token as owner '" + other.getKey() + "': each owner needs their own");
                }
            }
            out.put(e.getKey(), digest);
        }
        return out;
    }

    private byte[] digest(String hash, String path) throws ConfigException {
        String h = hash.startsWith("sha256:") ? hash.substring("sha256:".length()) : hash;
        if (!HEX64.matcher(h).matches()) {
            throw error(path, "expected sha256:<64 lower-case hex digits> (`sluice keys hash` prints it)");
        }
        return StoredKeys.digestOf(h);
    }

    private RedisSettings redis(JsonNode r) throws ConfigException {
        if (r.isMissingNode() || r.isNull()) {
            return null;
        }
        checkKeys(r, "redis", "uri", "on_failure", "prefix");
        String uri = str(r, "redis.uri", "");
        if (uri.isEmpty()) {
            // An empty URI (say ${REDIS_URL:-} unset) keeps the counters in this process.
            return null;
        }
        if (!uri.startsWith("redis://") && !uri.startsWith("rediss://") && !uri.startsWith("redis-socket://")) {
            throw error("redis.uri", "'" + uri + "' (expected: redis://host:port, rediss:// or redis-socket://)");
        }
        String onFailure = str(r, "redis.on_failure", "closed");
        if (!onFailure.equals("closed") && !onFailure.equals("open")) {
            throw error("redis.on_failure", "'" + onFailure + "' (expected: closed (refuse with 503) or open (use "
                    + "this process's counters))");
        }
        String prefix = str(r, "redis.prefix", RedisSettings.DEFAULT_PREFIX);
        if (prefix.isEmpty()) {
            throw error("redis.prefix", "is empty");
        }
        return new RedisSettings(uri, onFailure.equals("open"), prefix);
    }

    /** Reads {@code telemetry:}; {@code null} (off) without {@code otlp.endpoint}, or with an empty one. */
    private TelemetrySettings telemetry(JsonNode t) throws ConfigException {
        if (t.isMissingNode() || t.isNull()) {
            return null;
        }
        checkKeys(t, "telemetry", "otlp", "service_name");
        JsonNode o = t.path("otlp");
        if (o.isMissingNode() || o.isNull()) {
            return null;
        }
        checkKeys(o, "telemetry.otlp", "endpoint", "queue_size", "timeout_ms", "metrics_interval_ms");
        String endpoint = str(o, "telemetry.otlp.endpoint", "").trim();
        if (endpoint.isEmpty()) {
            // An empty endpoint (say ${OTLP_ENDPOINT:-} unset) leaves telemetry off.
            return null;
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            throw error("telemetry.otlp.endpoint", "'" + endpoint + "' is not a URL");
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                || uri.getQuery() != null) {
            throw error("telemetry.otlp.endpoint", "'" + endpoint + "' (expected: the collector's OTLP/HTTP base URL, "
                    + "http://host:4318 or https://...; traces go to /v1/traces under it)");
        }
        String service = str(t, "telemetry.service_name", TelemetrySettings.DEFAULT_SERVICE_NAME);
        if (service.isBlank()) {
            throw error("telemetry.service_name", "is empty");
        }
        return new TelemetrySettings(endpoint, service,
                (int) num(o, "telemetry.otlp.queue_size", TelemetrySettings.DEFAULT_QUEUE_SIZE, 16, 1 << 20),
                (int) num(o, "telemetry.otlp.timeout_ms", TelemetrySettings.DEFAULT_TIMEOUT_MS, 100, 120_000),
                (int) num(o, "telemetry.otlp.metrics_interval_ms", TelemetrySettings.DEFAULT_METRICS_INTERVAL_MS, 100,
                        3_600_000));
    }

    private List<ApiKey> keys(JsonNode node, RouteTable routes, boolean teamsDeclared, Map<String, Team> teams,
                              GovernanceSettings settings) throws ConfigException {
        List<ApiKey> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw error("keys", "expected a list of keys");
        }
        Map<String, Boolean> ids = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "keys[" + i + "]";
            JsonNode k = node.get(i);
            checkKeys(k, path, "id", "hash", "user", "team", "models", "endpoints", "expires", "disabled",
                    "require_tags", "project", "use_case", "limits", "budget", "capture", "agents");
            String id = str(k, path + ".id", null);
            if (id == null || id.isEmpty()) {
                throw error(path + ".id", "missing (expected: a name for the key, shown in the journal)");
            }
            if (ids.put(id, Boolean.TRUE) != null) {
                throw error(path + ".id", "'" + id + "' is used by two keys");
            }
            byte[] digest = digest(str(k, path + ".hash", ""), path + ".hash");
            String teamName = str(k, path + ".team", null);
            Team team = null;
            if (teamsDeclared) {
                team = teamName == null ? null : teams.get(teamName);
                if (team == null) {
                    throw error(path + ".team", (teamName == null ? "missing" : "'" + teamName + "' is not a team in "
                            + "teams:") + " (expected one of: " + String.join(", ", teams.keySet()) + ")");
                }
            }
            BitSet allowed = new BitSet();
            // Without models: a key of a declared team takes the team's; a key without one allows none (as before).
            boolean all = k.has("models") ? models(k.path("models"), path + ".models", routes, allowed) : team != null;
            boolean requireProject = false;
            boolean requireUseCase = false;
            JsonNode tags = k.path("require_tags");
            if (!tags.isMissingNode() && !tags.isNull()) {
                if (!tags.isArray()) {
                    throw error(path + ".require_tags", "expected a list of tags (project, use_case)");
                }
                for (int j = 0; j < tags.size(); j++) {
                    String tag = tags.get(j).asText();
                    if (tag.equals("project")) {
                        requireProject = true;
                    } else if (tag.equals("use_case")) {
                        requireUseCase = true;
                    } else {
                        throw error(path + ".require_tags[" + j + "]", "'" + tag + "' (expected: project or "
                                + "use_case)");
                    }
                }
            }
            try {
                out.add(ApiKey.builder(id, digest)
                        .user(str(k, path + ".user", null))
                        .team(teamName, team)
                        .models(all, allowed)
                        .endpoints(endpoints(k.path("endpoints"), path + ".endpoints"))
                        .expiresAtMs(expiry(k, path + ".expires", settings.zone()))
                        .disabled(bool(k, path + ".disabled", false))
                        .requireTags(requireProject, requireUseCase)
                        .defaultTags(str(k, path + ".project", null), str(k, path + ".use_case", null))
                        .limits(limits(k.path("limits"), path + ".limits"))
                        .budget(budget(k.path("budget"), path + ".budget"))
                        .agents(agentGrants(k.path("agents"), path + ".agents", null))
                        .build());
            } catch (IllegalArgumentException ex) {
                throw error(path, ex.getMessage());
            }
        }
        return out;
    }

    /** Reads an instant ({@code 2027-01-01T00:00:00Z}, any offset) or a date (its start in {@code zone}). */
    private long expiry(JsonNode k, String path, ZoneId zone) throws ConfigException {
        String text = str(k, path, null);
        if (text == null || text.isEmpty()) {
            return Long.MAX_VALUE;
        }
        try {
            return OffsetDateTime.parse(text.trim()).toInstant().toEpochMilli();
        } catch (DateTimeParseException e) {
            try {
                return LocalDate.parse(text.trim()).atStartOfDay(zone).toInstant().toEpochMilli();
            } catch (DateTimeParseException e2) {
                throw error(path, "'" + text + "' (expected: an instant such as 2027-01-01T00:00:00Z, or a date)");
            }
        }
    }

    private static String versionOf(String text) {
        return KeyDigester.sha256Hex(text).substring(0, 12);
    }
}
