package dev.sluice.routing.config;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.internal.LocatedYaml;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * Reads the {@code providers:} and {@code models:} sections into {@link ProviderConfig}s and {@link Route}s: each
 * route's deployments (provider, model, price from the file or the price table, weight, priority), strategy,
 * attempt and backoff settings, circuit and per-phase timeouts over the {@code upstream:} defaults.
 * <p>
 * Confined to the calling thread.
 */
final class RouteSection extends ConfigSection {
    RouteSection(String file, LocatedYaml yaml, Map<String, String> env) {
        super(file, yaml, env);
    }

    Map<String, ProviderConfig> providers(JsonNode node, boolean mockEnabled) throws ConfigException {
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
            if (ConfigLoader.MOCK_BASE_URL.equals(baseUrl)) {
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

    List<Route> routes(JsonNode node, Map<String, ProviderConfig> providers, RoutePolicy defaults,
                               PriceTable prices, LocalDate today, Map<String, Limits> modelLimits,
                               List<String> unpriced) throws ConfigException {
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
                    "max_backoff_ms", "max_retry_after_ms", "resend_after_dispatch", "circuit", "timeouts", "limits",
                    "capture", "shadow");
            Limits limits = limits(r.path("limits"), path + ".limits");
            if (!limits.isNone()) {
                modelLimits.put(alias, limits);
            }
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
                deployments.add(deployment(r, path, alias, 0, false, providers, prices, today));
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
                    Deployment d = deployment(list.get(i), dPath, alias, i, true, providers, prices, today);
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
            for (Deployment d : deployments) {
                if (d.price() == null) {
                    unpriced.add(alias + ": " + d.name());
                }
            }
            out.add(new Route(out.size(), alias, strategy, policy, deployments));
        }
        return out;
    }

    /**
     * Reads the aliases' {@code shadow:} declarations, by source alias: the target must be another alias, the sample
     * a share above 0 and at most 1, the budget one with a hard cap (it is what bounds the shadow's spend).
     */
    Map<String, Shadow> shadows(JsonNode node, RouteTable routes) throws ConfigException {
        Map<String, Shadow> out = new LinkedHashMap<>();
        if (!node.isObject()) {
            return out;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode sh = e.getValue().path("shadow");
            if (sh.isMissingNode() || sh.isNull()) {
                continue;
            }
            String alias = e.getKey();
            String path = "models." + alias + ".shadow";
            Shadow shadow = shadow(sh, path, alias);
            if (routes.lookup(shadow.target()) == null) {
                throw error(path + ".target", "'" + shadow.target() + "' names no model alias (expected another "
                        + "alias of models:)");
            }
            if (shadow.target().equals(alias)) {
                throw error(path + ".target", "is the alias itself (expected the candidate, another alias)");
            }
            out.put(alias, shadow);
        }
        return out;
    }

    /** Reads one deployment: a {@code deployments:} entry, or the shorthand keys of an alias. */
    Deployment deployment(JsonNode d, String path, String alias, int index, boolean entry,
                                  Map<String, ProviderConfig> providers, PriceTable prices, LocalDate today)
            throws ConfigException {
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
            price = price(pr, path + ".price");
        } else {
            price = prices.priceAt(provider.kind(), model, today);
        }
        int weight = (int) num(d, path + ".weight", 1, 0, MAX_WEIGHT);
        int priority = (int) num(d, path + ".priority", index, 0, MAX_WEIGHT);
        return new Deployment(index, provider, model, price, weight, priority, new DeploymentHealth());
    }

    /** Reads the attempt, backoff, resend and circuit settings of {@code node} over {@code base}. */
    RoutePolicy retries(JsonNode n, String path, RoutePolicy base) throws ConfigException {
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
    RoutePolicy timeouts(JsonNode r, String path, RoutePolicy base) throws ConfigException {
        JsonNode t = r.path("timeouts");
        String tPath = path + ".timeouts";
        checkKeys(t, tPath, "connect_ms", "first_token_ms", "idle_ms", "total_ms");
        return base.withTimeouts(
                num(t, tPath + ".connect_ms", base.connectTimeoutMs(), 1, MAX_CONNECT_MS),
                num(t, tPath + ".first_token_ms", base.firstTokenTimeoutMs(), 1, MAX_PHASE_MS),
                num(t, tPath + ".idle_ms", base.idleTimeoutMs(), 1, MAX_PHASE_MS),
                num(t, tPath + ".total_ms", base.totalTimeoutMs(), 0, MAX_TOTAL_MS));
    }
}
