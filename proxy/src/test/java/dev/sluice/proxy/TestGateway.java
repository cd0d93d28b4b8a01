package dev.sluice.proxy;

import dev.sluice.codec.Clock;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;
import dev.sluice.mock.MockProvider;
import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.testsupport.SafetyNet;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A real gateway for system tests: the shipped {@code conf/sluice.yaml} (so tests exercise what users run), free
 * ports, a fresh data directory, and the built-in mock provider. Close it in {@code @AfterEach}: closing stops the
 * gateway and deletes the temporary directory it was started in (a data directory the caller passed stays).
 */
public final class TestGateway implements AutoCloseable {
    /** The demo key of the default configuration. */
    public static final String DEMO_KEY = "sk-sluice-demo";

    private final Gateway gateway;
    private final Path dataDir;
    /** The temporary directory this fixture created and deletes on close; null when the caller owns the data. */
    private final Path ownedDir;
    private boolean stopped;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private TestGateway(Gateway gateway, Path dataDir, Path ownedDir) {
        this.gateway = gateway;
        this.dataDir = dataDir;
        this.ownedDir = ownedDir;
    }

    /** Starts a gateway on the default configuration, free ports and a new temporary data directory. */
    public static TestGateway start() throws Exception {
        Path dir = Files.createTempDirectory("sluice-test");
        try {
            return new TestGateway(Gateway.start(defaultConfig(dir)), dir, dir);
        } catch (Throwable e) {
            deleteAfterFailure(dir, e);
            throw e;
        }
    }

    /** As {@link #start()}, the gateway reading the time from {@code clock}. */
    public static TestGateway start(Clock clock) throws Exception {
        Path dir = Files.createTempDirectory("sluice-test");
        try {
            return new TestGateway(Gateway.start(defaultConfig(dir), clock), dir, dir);
        } catch (Throwable e) {
            deleteAfterFailure(dir, e);
            throw e;
        }
    }

    /**
     * Starts a gateway on the default configuration with the given data directory (reused across restarts); the
     * caller deletes it.
     */
    public static TestGateway start(Path dataDir) throws Exception {
        return new TestGateway(Gateway.start(defaultConfig(dataDir)), dataDir, null);
    }

    private static void deleteAfterFailure(Path dir, Throwable failure) {
        try {
            TempDirs.deleteRecursively(dir);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static GatewayConfig defaultConfig(Path dataDir) throws Exception {
        return ConfigLoader.load(defaultConfig(), Map.of()).bind(0, 0, 0).withDataDir(dataDir);
    }

    /**
     * Starts a gateway on the configuration {@code yaml} (written to {@code sluice.yaml} in a new temporary
     * directory, whose {@code data} subdirectory holds the journal), with free ports and the built-in mock.
     */
    public static TestGateway startWith(String yaml) throws Exception {
        return startWith(yaml, Clock.SYSTEM);
    }

    /** As {@link #startWith(String)}, the gateway reading the time from {@code clock}. */
    public static TestGateway startWith(String yaml, Clock clock) throws Exception {
        Path dir = Files.createTempDirectory("sluice-test");
        try {
            Path conf = dir.resolve("sluice.yaml");
            Files.writeString(conf, yaml);
            if (yaml.contains("agents: [demo-agent]")) {
                // The shipped configuration (or one made from it) travels with the shipped agents beside it.
                copyTree(defaultConfig().toAbsolutePath().getParent().resolve("agents"), dir.resolve("agents"));
            }
            GatewayConfig cfg = ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dir.resolve("data"));
            return new TestGateway(Gateway.start(cfg, clock), dir.resolve("data"), dir);
        } catch (Throwable e) {
            deleteAfterFailure(dir, e);
            throw e;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /**
     * Starts a gateway on the configuration file {@code conf} (its {@code agents/} beside it), with free ports, the
     * built-in mock and the data directory {@code data} beside it; closing deletes {@code ownedDir} (may be null).
     */
    public static TestGateway startFrom(Path conf, Path ownedDir) throws Exception {
        Path data = conf.toAbsolutePath().getParent().resolve("data");
        GatewayConfig cfg = ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(data);
        return new TestGateway(Gateway.start(cfg), data, ownedDir);
    }

    /**
     * Returns the text of the shipped configuration with {@code settings} (YAML lines, without indentation) added at
     * the top of its {@code server:} section, for {@link #startWith(String)}.
     */
    public static String shippedConfigWithServer(String... settings) throws IOException {
        String text = Files.readString(defaultConfig());
        StringBuilder lines = new StringBuilder("server:\n");
        for (String s : settings) {
            lines.append("  ").append(s).append('\n');
        }
        String out = text.replaceFirst("(?m)^server:\n", Matcher.quoteReplacement(lines.toString()));
        if (out.equals(text)) {
            throw new IllegalStateException("no server: section in " + defaultConfig());
        }
        return out;
    }

    /** Returns the shipped configuration file, found from the module directory or the repository root. */
    public static Path defaultConfig() {
        for (Path p : List.of(Path.of("../conf/sluice.yaml"), Path.of("conf/sluice.yaml"))) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("conf/sluice.yaml not found from " + Path.of("").toAbsolutePath());
    }

    public Gateway gateway() {
        return gateway;
    }

    public MockProvider mock() {
        return gateway.mock();
    }

    public Path dataDir() {
        return dataDir;
    }

    public int port() {
        return gateway.port();
    }

    /** Returns {@code http://127.0.0.1:PORT}, or {@code https://...} when the gateway runs TLS ({@code server.tls}). */
    public String baseUrl() {
        return (gateway.config().server().tls() == null ? "http" : "https") + "://127.0.0.1:" + gateway.port();
    }

    /** POSTs a JSON body with the demo key and returns the whole response. */
    public HttpResponse<String> post(String path, String json) {
        return postBytes(path, json.getBytes(StandardCharsets.UTF_8));
    }

    /** POSTs {@code body} as it is (it need not be valid UTF-8) with the demo key and returns the whole response. */
    public HttpResponse<String> postBytes(String path, byte[] body) {
        return post(DEMO_KEY, path, body);
    }

    /**
     * POSTs {@code body} as JSON with API key {@code key} (none when null) and {@code headers} (name, value, ...);
     * returns the whole response.
     */
    public HttpResponse<String> post(String key, String path, String body, String... headers) {
        return post(key, path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    private HttpResponse<String> post(String key, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** POSTs a chat request for {@code model} with the demo key; {@code content} is the user message. */
    public HttpResponse<String> chat(String model, String content) {
        return post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + content + "\"}]}");
    }

    /** Returns the request id the gateway gave a response. */
    public static String requestId(HttpResponse<?> r) {
        return r.headers().firstValue("x-request-id").orElseThrow();
    }

    /** Returns every request in the journal, oldest first (requests still in flight included). */
    public List<JournalEntry> journal() {
        try (JournalReader r = JournalReader.open(gateway.journalDir())) {
            return r.last(Integer.MAX_VALUE, 0);
        }
    }

    /** Waits until the request's END record is in the journal and returns the entry. */
    public JournalEntry awaitEnd(String requestId) {
        long id = RequestIds.parse(requestId);
        JournalEntry[] found = new JournalEntry[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(() -> {
            for (JournalEntry e : journal()) {
                if (e.requestId() == id && e.isFinished()) {
                    found[0] = e;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /** Returns the mock's records of requests it received. */
    public List<MockRecord> upstreamRecords() {
        return mock().records();
    }

    /**
     * Secrets the tests use as canaries (client keys, provider keys, admin tokens): none may appear in any file
     * a gateway wrote (RELIABILITY.md F1). Every test gateway's data directory is scanned when it closes.
     */
    static final List<String> CANARIES = List.of(DEMO_KEY, "sk-provider-a-canary", "sk-provider-b-canary",
            "sk-ant-provider-canary", "sk-access-good-key", "sluice-admin-canary", "sk-b6-secret", "sk-rate-limited",
            "sk-concurrency-1", "sk-tokens-limited", "sk-budgeted-key", "sk-tags-required", "sk-settle-key",
            "sk-cluster-");

    static {
        // Every log line of the test run is checked for them too.
        SafetyNet.watchForSecrets(CANARIES);
    }

    /** Fails when a canary secret occurs in any file under {@code dir}. */
    static void assertNoCanaryIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            byte[] buf = new byte[1 << 20];
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                SafetyNet.SCANNED_FILES.incrementAndGet();
                // In chunks (journal files are mostly pre-allocated zeros), each with the end of the one before.
                String carry = "";
                try (java.io.InputStream in = Files.newInputStream(f)) {
                    int n;
                    while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
                        SafetyNet.SCANNED_BYTES.addAndGet(n);
                        if (zeros(buf, n)) {
                            carry = "";
                            continue;
                        }
                        String text = carry + new String(buf, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
                        for (String c : CANARIES) {
                            if (text.contains(c)) {
                                throw new AssertionError("canary secret '" + c + "' found in " + f);
                            }
                        }
                        carry = text.substring(Math.max(0, text.length() - 64));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean zeros(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Closes the gateway (once) and scans its data directory for canary secrets, keeping the directory: for a test
     * that starts another gateway on it. {@link #close()} still deletes it.
     */
    public void stop() {
        if (!stopped) {
            stopped = true;
            gateway.close();
            assertNoCanaryIn(dataDir);
        }
    }

    /** Stops the gateway, then deletes the temporary directory it was started in, also when the scan failed. */
    @Override
    public void close() {
        try {
            stop();
        } catch (Throwable e) {
            if (ownedDir != null) {
                deleteAfterFailure(ownedDir, e);
            }
            throw e;
        }
        if (ownedDir != null) {
            TempDirs.deleteRecursively(ownedDir);
        }
    }
}
