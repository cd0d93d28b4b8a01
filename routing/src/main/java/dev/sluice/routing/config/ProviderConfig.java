package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

/**
 * One upstream provider: its dialect, where it lives and the credential the gateway adds. The credential never
 * appears in {@link #toString()}. Thread-safe (immutable).
 */
public final class ProviderConfig {
    private final String name;
    private final ProviderKind kind;
    private final boolean builtInMock;
    private final boolean tls;
    private final String host;
    private final int port;
    private final String basePath;
    private final String apiKey;
    private final String disabledReason;
    private final String origin;
    private final String hostHeader;
    private final String bearer;

    /**
     * @param basePath path prefix without a trailing slash ("" or "/v1")
     * @param apiKey the provider credential, or {@code null} when the provider takes none (local servers)
     * @param disabledReason why the provider cannot be used (for example its key variable is unset), or null
     */
    public ProviderConfig(String name, ProviderKind kind, boolean builtInMock, boolean tls, String host, int port,
                          String basePath, String apiKey, String disabledReason) {
        this.name = requireNonNull(name, "name");
        this.kind = requireNonNull(kind, "kind");
        this.builtInMock = builtInMock;
        this.tls = tls;
        this.host = requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
        this.port = port;
        this.basePath = requireNonNull(basePath, "basePath");
        this.apiKey = apiKey;
        this.disabledReason = disabledReason;
        this.origin = (tls ? "https://" : "http://") + host + ':' + port;
        this.hostHeader = port == (tls ? 443 : 80) ? host : host + ':' + port;
        this.bearer = apiKey == null ? null : "Bearer " + apiKey;
    }

    /** Returns the {@code Host} header value for requests to this provider (built once, not per request). */
    public String hostHeader() {
        return hostHeader;
    }

    /** Returns {@code "Bearer " + apiKey()}, or {@code null} without a key (built once, not per request). */
    public String bearer() {
        return bearer;
    }

    /** Returns {@code scheme://host:port}, the key under which connections to this provider are pooled. */
    public String origin() {
        return origin;
    }

    public String name() {
        return name;
    }

    public ProviderKind kind() {
        return kind;
    }

    /** True when this provider is the mock the gateway starts itself; {@link #port()} is then 0 until bound. */
    public boolean builtInMock() {
        return builtInMock;
    }

    public boolean tls() {
        return tls;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String basePath() {
        return basePath;
    }

    /** Returns the credential to add upstream, or {@code null}. Never log it. */
    public String apiKey() {
        return apiKey;
    }

    public boolean enabled() {
        return disabledReason == null;
    }

    /** Returns why the provider is disabled, or {@code null} when it is enabled. */
    public String disabledReason() {
        return disabledReason;
    }

    /** Returns a copy bound to the given port (used once the built-in mock has started). */
    public ProviderConfig withPort(int newPort) {
        return new ProviderConfig(name, kind, builtInMock, tls, host, newPort, basePath, apiKey, disabledReason);
    }

    @Override
    public String toString() {
        return "Provider{" + name + ", " + kind.configName() + ", " + (tls ? "https://" : "http://") + host + ':' + port
                + basePath + (apiKey == null ? "" : ", key=****") + (disabledReason == null ? "" : ", disabled: "
                + disabledReason) + '}';
    }
}
