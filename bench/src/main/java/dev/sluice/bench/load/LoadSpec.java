package dev.sluice.bench.load;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one load run sends, where, and how: the target, the request, closed loop ({@link #ratePerSecond()} 0,
 * exactly {@link #connections()} connections each sending its next request when the previous response ended) or
 * open loop (requests due at fixed intended times, sent on idle connections, up to {@link #maxConnections()}).
 * Built with {@link #builder(String)}. Immutable; thread-safe.
 */
public final class LoadSpec {
    /** Default closed-loop connections (and connections opened up front in open loop). */
    public static final int DEFAULT_CONNECTIONS = 10;
    /** Default cap on connections in open loop. */
    public static final int DEFAULT_MAX_CONNECTIONS = 1000;
    /** Default time allowed after the run for the requests still in flight before they count as timeouts. */
    public static final long DEFAULT_DRAIN_TIMEOUT_NS = 10_000_000_000L;
    /**
     * Default longest wait of a pooled connection before it is closed instead of reused: below the servers'
     * keep-alive timeouts (Sluice 30 s, nginx 75 s), since a request written while a server closes its idle connection
     * fails on the client's side before any answer.
     */
    public static final long DEFAULT_MAX_IDLE_NS = 15_000_000_000L;

    private final String host;
    private final int port;
    private final String path;
    private final byte[] body;
    private final List<String> headers;
    private final int connections;
    private final int maxConnections;
    private final double ratePerSecond;
    private final long durationNs;
    private final long warmupNs;
    private final boolean sse;
    private final int threads;
    private final Path hdrLog;
    private final long drainTimeoutNs;
    private final long maxIdleNs;

    private LoadSpec(Builder b) {
        URI uri = URI.create(b.url);
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("url: " + b.url + " (expected: http://host:port/path)");
        }
        this.host = uri.getHost();
        this.port = uri.getPort() > 0 ? uri.getPort() : 80;
        String p = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        this.path = uri.getRawQuery() == null ? p : p + "?" + uri.getRawQuery();
        this.body = b.body == null ? null : b.body.clone();
        this.headers = List.copyOf(b.headers);
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0 || h.indexOf('\r') >= 0 || h.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header: " + h + " (expected: 'Name: value')");
            }
        }
        this.connections = positive(b.connections, "connections");
        this.maxConnections = Math.max(connections, positive(b.maxConnections, "maxConnections"));
        if (b.ratePerSecond < 0 || Double.isNaN(b.ratePerSecond)) {
            throw new IllegalArgumentException("ratePerSecond: " + b.ratePerSecond + " (expected: >= 0)");
        }
        this.ratePerSecond = b.ratePerSecond;
        this.durationNs = positive(b.durationNs, "durationNs");
        if (b.warmupNs < 0) {
            throw new IllegalArgumentException("warmupNs: " + b.warmupNs + " (expected: >= 0)");
        }
        this.warmupNs = b.warmupNs;
        this.sse = b.sse;
        this.threads = positive(b.threads, "threads");
        this.hdrLog = b.hdrLog;
        this.drainTimeoutNs = positive(b.drainTimeoutNs, "drainTimeoutNs");
        this.maxIdleNs = positive(b.maxIdleNs, "maxIdleNs");
    }

    private static int positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    private static long positive(long v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: > 0)");
        }
        return v;
    }

    /** A builder for requests to {@code url} ({@code http://host:port/path}). */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** The request target: path and query. */
    public String path() {
        return path;
    }

    /** The request body (a copy), or null for a GET. */
    public byte[] body() {
        return body == null ? null : body.clone();
    }

    /** Extra request headers, each {@code Name: value}. */
    public List<String> headers() {
        return headers;
    }

    public int connections() {
        return connections;
    }

    public int maxConnections() {
        return maxConnections;
    }

    /** Requests per second in open loop; 0 means closed loop. */
    public double ratePerSecond() {
        return ratePerSecond;
    }

    public boolean openLoop() {
        return ratePerSecond > 0;
    }

    public long durationNs() {
        return durationNs;
    }

    public long warmupNs() {
        return warmupNs;
    }

    /** True when responses are SSE streams that must end with a terminal event. */
    public boolean sse() {
        return sse;
    }

    /** Event loop threads of the driver. */
    public int threads() {
        return threads;
    }

    /** Where to write the HdrHistogram interval log, or null. */
    public Path hdrLog() {
        return hdrLog;
    }

    public long drainTimeoutNs() {
        return drainTimeoutNs;
    }

    /** How long a pooled connection may wait for its next request before it is closed instead. */
    public long maxIdleNs() {
        return maxIdleNs;
    }

    /** Collects the settings of a {@link LoadSpec}. Confined to the building thread. */
    public static final class Builder {
        private final String url;
        private byte[] body;
        private final List<String> headers = new ArrayList<>();
        private int connections = DEFAULT_CONNECTIONS;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private double ratePerSecond;
        private long durationNs = 10_000_000_000L;
        private long warmupNs;
        private boolean sse;
        private int threads = 1;
        private Path hdrLog;
        private long drainTimeoutNs = DEFAULT_DRAIN_TIMEOUT_NS;
        private long maxIdleNs = DEFAULT_MAX_IDLE_NS;

        private Builder(String url) {
            this.url = requireNonNull(url, "url");
        }

        /** POSTs {@code body} (sent as {@code application/json} unless a header says otherwise). */
        public Builder body(byte[] body) {
            this.body = requireNonNull(body, "body").clone();
            return this;
        }

        /** Adds a {@code Name: value} header. */
        public Builder header(String header) {
            headers.add(requireNonNull(header, "header"));
            return this;
        }

        public Builder connections(int connections) {
            this.connections = connections;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** Open loop at this many requests per second (0: closed loop). */
        public Builder ratePerSecond(double ratePerSecond) {
            this.ratePerSecond = ratePerSecond;
            return this;
        }

        public Builder durationNs(long durationNs) {
            this.durationNs = durationNs;
            return this;
        }

        public Builder warmupNs(long warmupNs) {
            this.warmupNs = warmupNs;
            return this;
        }

        public Builder sse(boolean sse) {
            this.sse = sse;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder hdrLog(Path hdrLog) {
            this.hdrLog = hdrLog;
            return this;
        }

        public Builder drainTimeoutNs(long drainTimeoutNs) {
            this.drainTimeoutNs = drainTimeoutNs;
            return this;
        }

        public Builder maxIdleNs(long maxIdleNs) {
            this.maxIdleNs = maxIdleNs;
            return this;
        }

        /** The spec; throws {@link IllegalArgumentException} naming the first bad setting. */
        public LoadSpec build() {
            return new LoadSpec(this);
        }
    }
}
