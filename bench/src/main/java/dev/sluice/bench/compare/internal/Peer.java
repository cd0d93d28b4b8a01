package dev.sluice.bench.compare.internal;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The targets of the comparison: the upstream itself ({@code direct}), the Sluice gateway, the reverse proxies
 * users already trust and the Portkey gateway, each on its own port with its configuration in {@code bench/conf/}.
 * {@code bench/install-peers} installs every peer. Thread-safe (enum).
 */
public enum Peer {
    /** The upstream itself: the baseline of every ratio. */
    DIRECT(9001, null, null),
    /** {@code ./sluice serve} with {@code bench/conf/sluice-bench.yaml}: the journal records metadata. */
    SLUICE(9200, null, null),
    /**
     * {@code ./sluice serve} with {@code bench/conf/sluice-bench-capture.yaml}: the same, with the journal capturing
     * every request and answer in full, redacted ({@code journal.capture: full}): what capture costs.
     */
    SLUICE_CAPTURE(9210, null, null),
    /**
     * {@code ./sluice serve} with {@code bench/conf/sluice-bench-redis.yaml}: limits, budgets and keys shared through
     * a {@code redis-server} of its own on port {@value #REDIS_PORT}, started with it: what Redis admission costs.
     * Its CPU and memory include the Redis server's (both run under one shell, the target's process).
     */
    SLUICE_REDIS(9220, "redis-server", "bench/install-peers, or: apt-get install -y redis-server"),
    /** nginx with {@code bench/conf/nginx.conf}. */
    NGINX(9101, "nginx", "bench/install-peers, or: apt-get install -y nginx-light"),
    /** HAProxy with {@code bench/conf/haproxy.cfg}. */
    HAPROXY(9102, "haproxy", "bench/install-peers, or: apt-get install -y haproxy"),
    /** Caddy with {@code bench/conf/Caddyfile}. */
    CADDY(9103, "caddy", "bench/install-peers, or: apt-get install -y caddy"),
    /**
     * The Portkey AI gateway ({@code @portkey-ai/gateway} under {@code bench/peers/}, one Node.js process). Its
     * routing is per request: every request carries {@code bench/conf/portkey.json} as its {@code x-portkey-config}
     * header (the OpenAI provider, pointed at the comparison's upstream).
     */
    PORTKEY(9104, "node", "install Node.js 20 with npm, then run bench/install-peers");

    /** The client key the comparison sends to Sluice; {@code bench/conf/sluice-bench.yaml} holds its hash. */
    public static final String SLUICE_KEY = "sk-bench-compare-0001";
    /**
     * The port of the Redis server of {@link #SLUICE_REDIS}, as {@code bench/conf/sluice-bench-redis.yaml} names it
     * (moved by a port offset like the others).
     */
    public static final int REDIS_PORT = 9229;
    /** The script that installs every peer. */
    private static final String INSTALL_PEERS = "bench/install-peers";
    /** Where {@code bench/install-peers} installs the Node.js peers, under the checkout. */
    private static final String NODE_MODULES = "bench/peers/node_modules";
    private static final String PORTKEY_SERVER = NODE_MODULES + "/@portkey-ai/gateway/build/start-server.js";
    private static final List<String> EXTRA_BIN_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/sbin");

    private final int port;
    private final String binary;
    private final String install;

    Peer(int port, String binary, String install) {
        this.port = port;
        this.binary = binary;
        this.install = install;
    }

    /** The name used on the command line and in the results: {@code sluice}, {@code sluice-capture}, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether it is a Sluice gateway (a key to send, a launcher to run, a JVM to warm up). */
    public boolean isSluice() {
        return this == SLUICE || this == SLUICE_CAPTURE || this == SLUICE_REDIS;
    }

    /** Every command-line name, comma-separated, in declaration order (for help and error texts). */
    public static String ids() {
        StringBuilder sb = new StringBuilder();
        for (Peer p : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(p.id());
        }
        return sb.toString();
    }

    /**
     * Whether it runs on a JIT-compiled runtime that needs load before it runs at full speed (the JVM of a Sluice
     * gateway, Portkey's V8), and so gets the long default prewarm.
     */
    public boolean jitRuntime() {
        return isSluice() || this == PORTKEY;
    }

    /** The target named {@code id}, or null. */
    public static Peer byId(String id) {
        for (Peer p : values()) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        return null;
    }

    /** Its port without an offset (the port its configuration in {@code bench/conf/} names). */
    public int basePort() {
        return port;
    }

    /** Its port when every port of the comparison is moved by {@code offset}. */
    public int port(int offset) {
        return port + offset;
    }

    /** The URL the load goes to. */
    public String url(int offset) {
        return "http://127.0.0.1:" + port(offset) + "/v1/chat/completions";
    }

    /**
     * Headers every request to this target carries; Portkey's come from its configuration in {@code conf} (read
     * again at each call, so a moved copy counts).
     *
     * @throws UncheckedIOException when Portkey's configuration cannot be read or is not JSON
     */
    public List<String> headers(Path conf) {
        if (isSluice()) {
            return List.of("Authorization: Bearer " + SLUICE_KEY);
        }
        if (this == PORTKEY) {
            try {
                // One line: the header value is the file's JSON without its layout.
                String json = new ObjectMapper().readTree(conf.resolve(configFile()).toFile()).toString();
                return List.of("x-portkey-config: " + json);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return List.of();
    }

    /** The peer's binary, or null when it is not installed (or not needed). */
    public Path binaryPath() {
        if (binary == null) {
            return null;
        }
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(EXTRA_BIN_DIRS);
        for (String d : dirs) {
            if (!d.isEmpty()) {
                Path p = Path.of(d, binary);
                if (Files.isExecutable(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** Why this target cannot run here, or null when it can. */
    public String missing(Path root) {
        if (binary != null && binaryPath() == null) {
            return binary + " is not installed (" + install + ")";
        }
        if (this == PORTKEY && !Files.isRegularFile(root.resolve(PORTKEY_SERVER))) {
            return "@portkey-ai/gateway is not installed under " + root.resolve("bench/peers") + " (run "
                    + INSTALL_PEERS + ")";
        }
        if (isSluice() && !Files.isExecutable(root.resolve("sluice"))) {
            return "no executable launcher at " + root.resolve("sluice");
        }
        return null;
    }

    /** Its configuration file in {@code bench/conf/}, or null. */
    public String configFile() {
        return switch (this) {
            case DIRECT -> null;
            case SLUICE -> "sluice-bench.yaml";
            case SLUICE_CAPTURE -> "sluice-bench-capture.yaml";
            case SLUICE_REDIS -> "sluice-bench-redis.yaml";
            case NGINX -> "nginx.conf";
            case HAPROXY -> "haproxy.cfg";
            case CADDY -> "Caddyfile";
            case PORTKEY -> "portkey.json";
        };
    }

    /**
     * The command that starts it in the foreground with its configuration from {@code conf}, its run files in
     * {@code runDir}, and its ports moved by {@code offset}; null for direct.
     */
    public List<String> command(Path root, Path conf, Path runDir, int offset) {
        return switch (this) {
            case DIRECT -> null;
            case SLUICE, SLUICE_CAPTURE -> List.of(root.resolve("sluice").toString(), "serve",
                    "--config", conf.resolve(configFile()).toString(), "--port", Integer.toString(port(offset)),
                    "--admin-port", Integer.toString(port(offset) + 1),
                    "--data-dir", runDir.resolve("data").toString());
            // The Redis server first (no persistence), then the gateway; the shell stops Redis when the gateway ends
            // and is stopped with both (its descendants), whose CPU and memory count as the target's.
            case SLUICE_REDIS -> List.of("bash", "-c", "\"$1\" --port " + (REDIS_PORT + offset) + " --bind 127.0.0.1"
                    + " --save '' --appendonly no --daemonize no >\"$2/redis.log\" 2>&1 & r=$!; for i in $(seq 1 100);"
                    + " do redis-cli -p " + (REDIS_PORT + offset) + " ping >/dev/null 2>&1 && break; sleep 0.1; done;"
                    + " shift 2; \"$@\" & g=$!; trap 'kill $r $g 2>/dev/null' EXIT TERM INT; wait $g",
                    "sluice-redis", binaryPath().toString(), runDir.toString(),
                    root.resolve("sluice").toString(), "serve", "--config", conf.resolve(configFile()).toString(),
                    "--port", Integer.toString(port(offset)), "--admin-port", Integer.toString(port(offset) + 1),
                    "--data-dir", runDir.resolve("data").toString());
            case NGINX -> List.of(binaryPath().toString(), "-p", runDir.toString() + "/", "-e",
                    runDir.resolve("error.log").toString(), "-c", conf.resolve("nginx.conf").toString());
            case HAPROXY -> List.of(binaryPath().toString(), "-db", "-f", conf.resolve("haproxy.cfg").toString());
            case CADDY -> List.of(binaryPath().toString(), "run", "--config", conf.resolve("Caddyfile").toString(),
                    "--adapter", "caddyfile");
            // Its configuration travels in each request's headers; --headless leaves out the console and log stream.
            case PORTKEY -> List.of(binaryPath().toString(), root.resolve(PORTKEY_SERVER).toString(),
                    "--port=" + port(offset), "--headless");
        };
    }

    /**
     * The installed Portkey gateway's version and that of the Node.js server adapter it runs on, e.g.
     * {@code "@portkey-ai/gateway 1.15.2, @hono/node-server 1.13.8"}; null when it is not installed.
     */
    public static String portkeyVersion(Path root) {
        Path modules = root.resolve(NODE_MODULES);
        String gateway = packageVersion(modules.resolve("@portkey-ai/gateway"));
        return gateway == null ? null : "@portkey-ai/gateway " + gateway + ", @hono/node-server "
                + packageVersion(modules.resolve("@hono/node-server"));
    }

    private static String packageVersion(Path dir) {
        try {
            return new ObjectMapper().readTree(dir.resolve("package.json").toFile()).path("version").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    /** Environment added for it: Caddy keeps its state under {@code runDir}. */
    public Map<String, String> environment(Path runDir) {
        if (this == CADDY) {
            String home = runDir.resolve("caddy-home").toString();
            return Map.of("HOME", home, "XDG_DATA_HOME", home, "XDG_CONFIG_HOME", home);
        }
        return Map.of();
    }
}
