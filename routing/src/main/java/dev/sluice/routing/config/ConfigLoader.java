package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.routing.internal.LocatedYaml;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code conf/sluice.yaml} into a validated {@link GatewayConfig}. Every problem is reported as a
 * {@link ConfigException} naming the file, the line and the field. {@code ${VAR}} and {@code ${VAR:-default}} in
 * string values are taken from the environment given. Confined to the calling thread (never an event loop: it
 * reads files).
 */
public final class ConfigLoader {
    /** The value of {@code base_url} that points a provider at the built-in mock. */
    public static final String MOCK_BASE_URL = "mock";

    private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final long MAX_CONNECT_MS = 600_000;
    private static final long MAX_PHASE_MS = 3_600_000;
    private static final long MAX_TOTAL_MS = 86_400_000;
    private static final long MAX_BACKOFF_MS = 60_000;
    private static final int MAX_FAILURES = 1_000;
    private static final int MAX_WEIGHT = 1_000_000;

    private final String file;
    private final LocatedYaml yaml;
    private final Map<String, String> env;

    private ConfigLoader(String file, LocatedYaml yaml, Map<String, String> env) {
        this.file = file;
        this.yaml = yaml;
        this.env = env;
    }

    /** Loads and validates a configuration file. */
    public static GatewayConfig load(Path path, Map<String, String> env) throws ConfigException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path.toString(), 0, null, "cannot read: " + e.getMessage());
        }
        return parse(path.toString(), text, env);
    }

    /** Validates configuration text; {@code file} names it in errors. */
    public static GatewayConfig parse(String file, String text, Map<String, String> env) throws ConfigException {
        LocatedYaml yaml;
        try {
            yaml = LocatedYaml.parse(text);
        } catch (LocatedYaml.SyntaxError e) {
            throw new ConfigException(file, e.line(), null, "YAML syntax error: " + e.getMessage());
        }
        if (!yaml.root().isObject()) {
            throw new ConfigException(file, 1, null, "expected a mapping at the top level");
        }
        return new ConfigLoader(file, yaml, env).build(versionOf(text));
    }

    private GatewayConfig build(String version) throws ConfigException {
        JsonNode root = yaml.root();
        checkKeys(root, "", "server", "upstream", "data_dir", "mock_provider", "providers", "models", "keys");

        JsonNode s = root.path("server");
        checkKeys(s, "server", "host", "port", "admin_port", "io_threads", "max_body_bytes", "max_header_bytes",
                "max_request_line_bytes", "journal_ring_bytes", "journal_mode");
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
                str(s, "server.journal_mode", ServerSettings.JOURNAL_DIRECT));
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
        RoutePolicy defaults = retries(u, "upstream", RoutePolicy.DEFAULTS).withTimeouts(
                num(u, "upstream.connect_timeout_ms", RoutePolicy.DEFAULT_CONNECT_TIMEOUT_MS, 1, MAX_CONNECT_MS),
                num(u, "upstream." + firstToken, RoutePolicy.DEFAULT_FIRST_TOKEN_TIMEOUT_MS, 1, MAX_PHASE_MS),
                num(u, "upstream.idle_timeout_ms", RoutePolicy.DEFAULT_IDLE_TIMEOUT_MS, 1, MAX_PHASE_MS),
                num(u, "upstream.total_timeout_ms", RoutePolicy.DEFAULT_TOTAL_TIMEOUT_MS, 0, MAX_TOTAL_MS));
        UpstreamSettings upstream = new UpstreamSettings(defaults,
                (int) num(u, "upstream.max_event_bytes", UpstreamSettings.DEFAULT_MAX_EVENT_BYTES, 1024, 64 << 20));

        Path dataDir = Path.of(str(root, "data_dir", "data"));
        JsonNode m = root.path("mock_provider");
        checkKeys(m, "mock_provider", "enabled");
        boolean mockEnabled = bool(m, "mock_provider.enabled", true);

        Map<String, ProviderConfig> providers = providers(root.path("providers"), mockEnabled);
        List<Route> routes = routes(root.path("models"), providers, defaults);
        RouteTable routeTable = new RouteTable(routes);
        KeyTable keys = keys(root.path("keys"), routeTable);
        return new GatewayConfig(file, version, server, upstream, dataDir, mockEnabled, providers, routeTable, keys);
    }

    private Map<String, ProviderConfig> providers(JsonNode node, boolean mockEnabled) throws ConfigException {
        Map<String, ProviderConfig> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("providers", "expected a mapping of provider name to settings");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String name = e.getKey();
            String path = "providers." + name;
            JsonNode p = e.getValue();
            checkKeys(p, path, "kind", "base_url", "api_key");
            String kindText = str(p, path + ".kind", null);
            ProviderKind kind = ProviderKind.parse(kindText);
            if (kind == null) {
                throw error(path + ".kind", "'" + kindText + "' (expected: openai or anthropic)");
            }
            String baseUrl = str(p, path + ".base_url", null);
            if (baseUrl == null || baseUrl.isEmpty()) {
                throw error(path + ".base_url", "missing (expected: an http(s) URL, or 'mock')");
            }
            String rawKey = p.has("api_key") ? p.get("api_key").asText() : null;
            String apiKey = rawKey == null ? null : substitute(rawKey);
            String disabled = null;
            if (rawKey != null && (apiKey == null || apiKey.isEmpty())) {
                Matcher ref = ENV_REF.matcher(rawKey);
                disabled = ref.find() ? ref.group(1) + " is not set" : "api_key is empty";
                apiKey = null;
            }
            if (apiKey != null) {
                for (int i = 0; i < apiKey.length(); i++) {
                    char c = apiKey.charAt(i);
                    if (c <= 0x20 || c >= 0x7f) {
                        // It goes into a header verbatim: a CR or LF here would inject headers upstream.
                        throw error(path + ".api_key", "contains a space, control or non-ASCII character at "
                                + "position " + i + " (the value is not shown)");
                    }
                }
            }
            if (MOCK_BASE_URL.equals(baseUrl)) {
                if (!mockEnabled) {
                    disabled = "the built-in mock provider is disabled (mock_provider.enabled: false)";
                }
                String basePath = kind == ProviderKind.OPENAI ? "/v1" : "";
                out.put(name, new ProviderConfig(name, kind, true, false, "127.0.0.1", 0, basePath, apiKey, disabled));
                continue;
            }
            URI uri;
            try {
                uri = new URI(baseUrl);
            } catch (URISyntaxException ex) {
                throw error(path + ".base_url", "'" + baseUrl + "' is not a URL: " + ex.getReason());
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw error(path + ".base_url", "'" + baseUrl + "' (expected: an http:// or https:// URL)");
            }
            if (uri.getHost() == null) {
                throw error(path + ".base_url", "'" + baseUrl + "' has no host");
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
                throw error(path + ".base_url", "'" + baseUrl + "' must not carry credentials, a query or a fragment");
            }
            boolean tls = scheme.equals("https");
            int port = uri.getPort() > 0 ? uri.getPort() : (tls ? 443 : 80);
            String basePath = uri.getRawPath() == null ? "" : uri.getRawPath();
            while (basePath.endsWith("/")) {
                basePath = basePath.substring(0, basePath.length() - 1);
            }
            out.put(name, new ProviderConfig(name, kind, false, tls, uri.getHost(), port, basePath, apiKey, disabled));
        }
        return out;
    }

    private List<Route> routes(JsonNode node, Map<String, ProviderConfig> providers, RoutePolicy defaults)
            throws ConfigException {
        List<Route> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("models", "expected a mapping of model alias to its provider and model, or its deployments");
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String alias = e.getKey();
            String path = "models." + alias;
            JsonNode r = e.getValue();
            checkKeys(r, path, "provider", "model", "price", "deployments", "strategy", "attempts", "backoff_ms",
                    "max_backoff_ms", "max_retry_after_ms", "resend_after_dispatch", "circuit", "timeouts");
            String strategyText = str(r, path + ".strategy", Strategy.PRIORITY.configName());
            Strategy strategy = Strategy.parse(strategyText);
            if (strategy == null) {
                throw error(path + ".strategy", "'" + strategyText
                        + "' (expected: priority, weighted, least-latency or least-cost)");
            }
            RoutePolicy policy = timeouts(r, path, retries(r, path, defaults));
            List<Deployment> deployments = new ArrayList<>();
            JsonNode list = r.path("deployments");
            if (list.isMissingNode() || list.isNull()) {
                deployments.add(deployment(r, path, alias, 0, false, providers));
            } else {
                for (String shorthand : new String[] {"provider", "model", "price"}) {
                    if (r.has(shorthand)) {
                        throw error(path + '.' + shorthand, "cannot be combined with deployments: (put it on a "
                                + "deployment)");
                    }
                }
                if (!list.isArray() || list.size() == 0 || list.size() > Deployment.MAX_PER_ROUTE) {
                    throw error(path + ".deployments", "expected a list of 1 to " + Deployment.MAX_PER_ROUTE
                            + " deployments (provider, model, weight, priority, price)");
                }
                for (int i = 0; i < list.size(); i++) {
                    String dPath = path + ".deployments[" + i + "]";
                    Deployment d = deployment(list.get(i), dPath, alias, i, true, providers);
                    for (Deployment other : deployments) {
                        if (other.sameTarget(d)) {
                            throw error(dPath, d.name() + " is listed twice");
                        }
                    }
                    deployments.add(d);
                }
            }
            if (strategy == Strategy.WEIGHTED && deployments.stream().allMatch(d -> d.weight() == 0)) {
                throw error(path + ".deployments", "every weight is 0 (expected: at least one above 0 for strategy "
                        + "weighted)");
            }
            out.add(new Route(out.size(), alias, strategy, policy, deployments));
        }
        return out;
    }

    /** Reads one deployment: a {@code deployments:} entry, or the shorthand keys of an alias. */
    private Deployment deployment(JsonNode d, String path, String alias, int index, boolean entry,
                                  Map<String, ProviderConfig> providers) throws ConfigException {
        if (entry) {
            checkKeys(d, path, "provider", "model", "weight", "priority", "price");
        }
        String providerName = str(d, path + ".provider", null);
        ProviderConfig provider = providerName == null ? null : providers.get(providerName);
        if (provider == null) {
            throw error(path + ".provider", "'" + providerName + "' names no provider (expected one of: "
                    + String.join(", ", providers.keySet()) + ")");
        }
        String model = str(d, path + ".model", alias);
        Price price = null;
        JsonNode pr = d.path("price");
        if (!pr.isMissingNode() && !pr.isNull()) {
            checkKeys(pr, path + ".price", "input", "output", "cached_input", "cache_write");
            long in = micros(pr, path + ".price.input", -1);
            long outP = micros(pr, path + ".price.output", -1);
            if (in < 0 || outP < 0) {
                throw error(path + ".price", "needs both input and output (currency per million tokens)");
            }
            price = new Price(in, outP, micros(pr, path + ".price.cached_input", in),
                    micros(pr, path + ".price.cache_write", in));
        }
        int weight = (int) num(d, path + ".weight", 1, 0, MAX_WEIGHT);
        int priority = (int) num(d, path + ".priority", index, 0, MAX_WEIGHT);
        return new Deployment(index, provider, model, price, weight, priority, new DeploymentHealth());
    }

    /** Reads the attempt, backoff, resend and circuit settings of {@code node} over {@code base}. */
    private RoutePolicy retries(JsonNode n, String path, RoutePolicy base) throws ConfigException {
        int attempts = (int) num(n, path + ".attempts", base.maxAttempts(), 1, RoutePolicy.MAX_ATTEMPTS_LIMIT);
        long backoff = num(n, path + ".backoff_ms", base.backoffMs(), 0, MAX_BACKOFF_MS);
        long maxBackoff = num(n, path + ".max_backoff_ms", Math.max(base.maxBackoffMs(), backoff), 0, MAX_BACKOFF_MS);
        if (maxBackoff < backoff) {
            throw error(path + ".max_backoff_ms", maxBackoff + " (expected: >= backoff_ms " + backoff + ")");
        }
        long maxRetryAfter = num(n, path + ".max_retry_after_ms", base.maxRetryAfterMs(), 0, MAX_PHASE_MS);
        boolean resend = bool(n, path + ".resend_after_dispatch", base.resendAfterDispatch());
        JsonNode c = n.path("circuit");
        String cPath = path + ".circuit";
        checkKeys(c, cPath, "failures", "connect_failures", "base_ejection_ms", "max_ejection_ms");
        CircuitSettings b = base.circuit();
        int failures = (int) num(c, cPath + ".failures", b.failures(), 1, MAX_FAILURES);
        int connectFailures = (int) num(c, cPath + ".connect_failures", b.connectFailures(), 1, MAX_FAILURES);
        long baseEjection = num(c, cPath + ".base_ejection_ms", b.baseEjectionMs(), 1, MAX_PHASE_MS);
        long maxEjection = num(c, cPath + ".max_ejection_ms", Math.max(b.maxEjectionMs(), baseEjection), 1,
                MAX_TOTAL_MS);
        if (maxEjection < baseEjection) {
            throw error(cPath + ".max_ejection_ms", maxEjection + " (expected: >= base_ejection_ms " + baseEjection
                    + ")");
        }
        return new RoutePolicy(attempts, backoff, maxBackoff, maxRetryAfter, resend, base.connectTimeoutMs(),
                base.firstTokenTimeoutMs(), base.idleTimeoutMs(), base.totalTimeoutMs(),
                new CircuitSettings(failures, connectFailures, baseEjection, maxEjection));
    }

    /** Reads the {@code timeouts:} block of a model alias over {@code base}. */
    private RoutePolicy timeouts(JsonNode r, String path, RoutePolicy base) throws ConfigException {
        JsonNode t = r.path("timeouts");
        String tPath = path + ".timeouts";
        checkKeys(t, tPath, "connect_ms", "first_token_ms", "idle_ms", "total_ms");
        return base.withTimeouts(
                num(t, tPath + ".connect_ms", base.connectTimeoutMs(), 1, MAX_CONNECT_MS),
                num(t, tPath + ".first_token_ms", base.firstTokenTimeoutMs(), 1, MAX_PHASE_MS),
                num(t, tPath + ".idle_ms", base.idleTimeoutMs(), 1, MAX_PHASE_MS),
                num(t, tPath + ".total_ms", base.totalTimeoutMs(), 0, MAX_TOTAL_MS));
    }

    private KeyTable keys(JsonNode node, RouteTable routes) throws ConfigException {
        List<ApiKey> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return new KeyTable(out);
        }
        if (!node.isArray()) {
            throw error("keys", "expected a list of keys");
        }
        Map<String, Boolean> ids = new LinkedHashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "keys[" + i + "]";
            JsonNode k = node.get(i);
            checkKeys(k, path, "id", "hash", "user", "team", "models");
            String id = str(k, path + ".id", null);
            if (id == null || id.isEmpty()) {
                throw error(path + ".id", "missing (expected: a name for the key, shown in the journal)");
            }
            if (ids.put(id, Boolean.TRUE) != null) {
                throw error(path + ".id", "'" + id + "' is used by two keys");
            }
            String hash = str(k, path + ".hash", "");
            if (hash.startsWith("sha256:")) {
                hash = hash.substring("sha256:".length());
            }
            if (!HEX64.matcher(hash).matches()) {
                throw error(path + ".hash", "expected sha256:<64 lower-case hex digits> (`sluice keys hash` prints it)");
            }
            byte[] digest = new byte[KeyDigester.DIGEST_BYTES];
            for (int b = 0; b < digest.length; b++) {
                digest[b] = (byte) Integer.parseInt(hash, b * 2, b * 2 + 2, 16);
            }
            boolean all = false;
            BitSet allowed = new BitSet();
            JsonNode models = k.path("models");
            if (models.isTextual() && models.asText().equals("*")) {
                all = true;
            } else if (models.isArray()) {
                for (int j = 0; j < models.size(); j++) {
                    String alias = models.get(j).asText();
                    if (alias.equals("*")) {
                        all = true;
                        continue;
                    }
                    Route r = routes.lookup(alias);
                    if (r == null) {
                        throw error(path + ".models[" + j + "]", "'" + alias + "' is not a model alias in models:");
                    }
                    allowed.set(r.index());
                }
            } else if (!models.isMissingNode()) {
                throw error(path + ".models", "expected a list of model aliases, or \"*\"");
            }
            try {
                out.add(new ApiKey(id, digest, str(k, path + ".user", null), str(k, path + ".team", null), all,
                        allowed));
            } catch (IllegalArgumentException ex) {
                throw error(path, ex.getMessage());
            }
        }
        try {
            return new KeyTable(out);
        } catch (IllegalArgumentException ex) {
            throw error("keys", ex.getMessage());
        }
    }

    private void checkKeys(JsonNode node, String path, String... allowed) throws ConfigException {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw error(path, "expected a mapping");
        }
        outer:
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            for (String a : allowed) {
                if (a.equals(name)) {
                    continue outer;
                }
            }
            String field = path.isEmpty() ? name : path + '.' + name;
            throw error(field, "unknown setting (expected one of: " + String.join(", ", allowed) + ")");
        }
    }

    private String str(JsonNode parent, String path, String dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (!v.isValueNode() || v.isBoolean()) {
            throw error(path, "expected a string");
        }
        return substitute(v.asText());
    }

    private long num(JsonNode parent, String path, long dflt, long min, long max) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        long n;
        if (v.isIntegralNumber()) {
            n = v.asLong();
        } else if (v.isTextual()) {
            try {
                n = Long.parseLong(substitute(v.asText()).trim());
            } catch (NumberFormatException e) {
                throw error(path, "'" + v.asText() + "' (expected: an integer)");
            }
        } else {
            throw error(path, v + " (expected: an integer)");
        }
        if (n < min || n > max) {
            throw error(path, n + " (expected: " + min + "-" + max + ")");
        }
        return n;
    }

    private boolean bool(JsonNode parent, String path, boolean dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        if (v.isBoolean()) {
            return v.asBoolean();
        }
        String t = v.isTextual() ? substitute(v.asText()).trim() : v.toString();
        if (t.equals("true") || t.equals("false")) {
            return Boolean.parseBoolean(t);
        }
        throw error(path, "'" + t + "' (expected: true or false)");
    }

    private long micros(JsonNode parent, String path, long dflt) throws ConfigException {
        JsonNode v = parent.path(leaf(path));
        if (v.isMissingNode() || v.isNull()) {
            return dflt;
        }
        BigDecimal d;
        try {
            d = v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText().trim());
        } catch (NumberFormatException e) {
            throw error(path, "'" + v.asText() + "' (expected: a price in currency per million tokens)");
        }
        if (d.signum() < 0) {
            throw error(path, d + " (expected: >= 0)");
        }
        return d.movePointRight(6).setScale(0, java.math.RoundingMode.HALF_UP).longValueExact();
    }

    private String substitute(String value) throws ConfigException {
        if (value.indexOf("${") < 0) {
            return value;
        }
        Matcher m = ENV_REF.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            if (v == null || v.isEmpty()) {
                v = m.group(2) == null ? "" : m.group(2);
            }
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String leaf(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? path : path.substring(dot + 1);
    }

    private ConfigException error(String field, String message) {
        return new ConfigException(file, yaml.lineOf(field), field, message);
    }

    private static String versionOf(String text) {
        return KeyDigester.sha256Hex(text).substring(0, 12);
    }
}
