package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

class ConfigLoaderTest {
    private static final String KEY_HASH = KeyDigester.sha256Hex("sk-test-key-1");

    private static final String BASE = String.join("\n",
            "server:",
            "  port: 9000",
            "providers:",
            "  mock:",
            "    kind: openai",
            "    base_url: mock",
            "  openai:",
            "    kind: openai",
            "    base_url: https://api.openai.com/v1/",
            "    api_key: ${OPENAI_API_KEY}",
            "  local:",
            "    kind: openai",
            "    base_url: http://127.0.0.1:11434/v1",
            "models:",
            "  demo:",
            "    provider: mock",
            "    model: mock-gpt",
            "    price: {input: 0.15, output: 0.60}",
            "  gpt:",
            "    provider: openai",
            "    model: gpt-4o",
            "  llama:",
            "    provider: local",
            "keys:",
            "  - id: k1",
            "    hash: sha256:" + KEY_HASH,
            "    team: t",
            "    models: [demo, llama]",
            "");

    @Test
    void shouldLoadTheShippedDefaultConfiguration() throws Exception {
        Path conf = Path.of("../conf/sluice.yaml");
        GatewayConfig c = ConfigLoader.load(conf, Map.of());
        assertThat(c.server().port()).isEqualTo(8080);
        assertThat(c.server().adminPort()).isEqualTo(8081);
        assertThat(c.routes().lookup("demo").provider().builtInMock()).isTrue();
        assertThat(c.routes().lookup("demo-claude").provider().kind()).isEqualTo(ProviderKind.ANTHROPIC);
        assertThat(c.providers().get("openai").enabled()).isFalse();
        assertThat(c.providers().get("openai").disabledReason()).isEqualTo("OPENAI_API_KEY is not set");
        ApiKey demo = c.keys().lookup(new KeyDigester().digest("sk-sluice-demo", 0, 14));
        assertThat(demo.id()).isEqualTo("demo");
        assertThat(demo.allows(c.routes().lookup("demo"))).isTrue();
        assertThat(demo.allows(c.routes().lookup("gpt-4o"))).isFalse();
        assertThat(Files.readString(conf)).doesNotContain("sk-sluice-demo\n");
    }

    @Test
    void shouldParseProvidersRoutesPricesAndKeys() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE, Map.of("OPENAI_API_KEY", "sk-prov"));
        assertThat(c.server().port()).isEqualTo(9000);
        ProviderConfig openai = c.providers().get("openai");
        assertThat(openai.enabled()).isTrue();
        assertThat(openai.tls()).isTrue();
        assertThat(openai.port()).isEqualTo(443);
        assertThat(openai.basePath()).isEqualTo("/v1");
        assertThat(openai.apiKey()).isEqualTo("sk-prov");
        assertThat(openai.toString()).doesNotContain("sk-prov");
        assertThat(c.providers().get("local").port()).isEqualTo(11434);
        assertThat(c.routes().lookup("llama").upstreamModel()).isEqualTo("llama");
        assertThat(c.routes().lookup("demo").price().inputMicrosPerMTok()).isEqualTo(150_000);
        ApiKey k = c.keys().lookup(new KeyDigester().digest("sk-test-key-1", 0, 13));
        assertThat(k.team()).isEqualTo("t");
        assertThat(k.allows(c.routes().lookup("demo"))).isTrue();
        assertThat(k.allows(c.routes().lookup("gpt"))).isFalse();
        assertThat(c.keys().lookup(new KeyDigester().digest("sk-test-key-2", 0, 13))).isNull();
    }

    @Test
    void shouldReportFileLineAndFieldForEveryMistake() {
        assertError(BASE.replace("provider: local", "provider: nowhere"), 23, "models.llama.provider",
                "'nowhere' names no provider");
        assertError(BASE.replace("kind: openai\n    base_url: mock", "kind: openia\n    base_url: mock"), 5,
                "providers.mock.kind", "(expected: openai or anthropic)");
        assertError(BASE.replace("port: 9000", "port: 99999"), 2, "server.port", "99999 (expected: 0-65535)");
        assertError(BASE.replace("    team: t", "    teem: t"), 27, "keys[0].teem", "unknown setting");
        assertError(BASE.replace("[demo, llama]", "[demo, nope]"), 28, "keys[0].models[1]", "'nope'");
        assertError(BASE.replace("sha256:" + KEY_HASH, "sha256:abc"), 26, "keys[0].hash", "64 lower-case hex");
        assertError(BASE.replace("https://api.openai.com/v1/", "ftp://x"), 9, "providers.openai.base_url",
                "http:// or https://");
        // An unclosed flow sequence is noticed where the next key starts.
        assertError(BASE.replace("  port: 9000", "  port: [9000"), 3, null, "YAML syntax error");
        // A key set twice: YAML keeps the last one silently; the gateway refuses the file instead.
        assertError(BASE.replace("    model: gpt-4o", "    model: gpt-4o\n    model: gpt-4o-mini"), 22, null,
                "'models.gpt.model' is set twice (also on line 21)");
    }

    @Test
    void shouldReadJournalSpaceThresholdsAndDrainTimeoutWithDefaults() throws Exception {
        GatewayConfig defaults = ConfigLoader.parse("t.yaml", BASE, Map.of());
        assertThat(defaults.server().journalMinFreeBytes()).isEqualTo(ServerSettings.DEFAULT_JOURNAL_MIN_FREE_BYTES);
        assertThat(defaults.server().journalMinFreePercent())
                .isEqualTo(ServerSettings.DEFAULT_JOURNAL_MIN_FREE_PERCENT);
        assertThat(defaults.server().drainTimeoutMs()).isEqualTo(ServerSettings.DEFAULT_DRAIN_TIMEOUT_MS);

        GatewayConfig set = ConfigLoader.parse("t.yaml", BASE.replace("  port: 9000", "  port: 9000\n"
                + "  journal_min_free_bytes: 1048576\n  journal_min_free_percent: 5\n  drain_timeout_ms: 2000"),
                Map.of());
        assertThat(set.server().journalMinFreeBytes()).isEqualTo(1_048_576);
        assertThat(set.server().journalMinFreePercent()).isEqualTo(5);
        assertThat(set.server().drainTimeoutMs()).isEqualTo(2_000);
        assertThat(set.restartOnlyChanges(defaults)).containsExactly("server");

        assertError(BASE.replace("  port: 9000", "  port: 9000\n  journal_min_free_percent: 100"), 3,
                "server.journal_min_free_percent", "(expected: 0-99)");
        assertError(BASE.replace("  port: 9000", "  port: 9000\n  drain_timeout_ms: -1"), 3,
                "server.drain_timeout_ms", "");
    }

    @Test
    void shouldReadTheBackgroundThreadsNiceValueAsARestartOnlySetting() throws Exception {
        GatewayConfig defaults = ConfigLoader.parse("t.yaml", BASE, Map.of());
        assertThat(defaults.server().backgroundNice()).isEqualTo(ServerSettings.DEFAULT_BACKGROUND_NICE);

        GatewayConfig off = ConfigLoader.parse("t.yaml", BASE.replace("  port: 9000", "  port: 9000\n"
                + "  background_nice: 0"), Map.of());
        assertThat(off.server().backgroundNice()).isZero();
        assertThat(off.restartOnlyChanges(defaults)).containsExactly("server");

        assertError(BASE.replace("  port: 9000", "  port: 9000\n  background_nice: 20"), 3,
                "server.background_nice", "(expected: 0-19)");
        assertError(BASE.replace("  port: 9000", "  port: 9000\n  background_nice: -5"), 3,
                "server.background_nice", "(expected: 0-19)");
    }

    @Test
    void shadowDeclarationsAreReadAndEachMistakeIsNamed() throws Exception {
        String shadow = "    price: {input: 0.15, output: 0.60}\n    shadow: {target: gpt, sample: 0.25, budget: {period: "
                + "day, hard: 5.00}}";
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE.replace("    price: {input: 0.15, output: 0.60}", shadow),
                Map.of());
        Shadow s = c.shadow("demo");
        assertThat(s.source()).isEqualTo("demo");
        assertThat(s.target()).isEqualTo("gpt");
        assertThat(s.sample()).isEqualTo(0.25);
        assertThat(s.budget().hardMicros()).isEqualTo(5_000_000);
        assertThat(s.scope().counterKey()).isEqualTo("shadow:demo");
        assertThat(c.shadowOf("demo")).isEqualTo(s);
        assertThat(c.shadow("gpt")).isNull();

        assertError(BASE.replace("    price: {input: 0.15, output: 0.60}", shadow.replace("target: gpt",
                "target: nope")), 19, "models.demo.shadow.target", "'nope' names no model alias");
        assertError(BASE.replace("    price: {input: 0.15, output: 0.60}", shadow.replace("target: gpt",
                "target: demo")), 19, "models.demo.shadow.target", "is the alias itself");
        assertError(BASE.replace("    price: {input: 0.15, output: 0.60}", shadow.replace("sample: 0.25",
                "sample: 0")), 19, "models.demo.shadow.sample", "above 0, at most 1");
        assertError(BASE.replace("    price: {input: 0.15, output: 0.60}", shadow.replace("hard: 5.00", "soft: 5.00")),
                19, "models.demo.shadow.budget", "needs a hard cap");
        assertError(BASE.replace("    price: {input: 0.15, output: 0.60}", shadow.replace("sample: 0.25",
                "sampel: 0.25")), 19, null, "sampel");
    }

    private static void assertError(String text, int line, String field, String message) {
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", text, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.file()).isEqualTo("t.yaml");
                    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
                    if (field != null) {
                        assertThat(e.field()).isEqualTo(field);
                    }
                    assertThat(e.getMessage()).startsWith("t.yaml:" + line + ": ").contains(message);
                });
    }

    private static final String ROUTED = String.join("\n",
            "upstream:",                                          // 1
            "  connect_timeout_ms: 4000",                         // 2
            "  first_token_timeout_ms: 90000",                    // 3
            "  idle_timeout_ms: 30000",                           // 4
            "  total_timeout_ms: 0",                              // 5
            "  attempts: 4",                                      // 6
            "  backoff_ms: 50",                                   // 7
            "  max_backoff_ms: 800",                              // 8
            "  max_retry_after_ms: 5000",                         // 9
            "  resend_after_dispatch: true",                      // 10
            "  circuit: {failures: 7, connect_failures: 2, base_ejection_ms: 1000, max_ejection_ms: 9000}", // 11
            "providers:",                                         // 12
            "  mock:",                                            // 13
            "    kind: openai",                                   // 14
            "    base_url: mock",                                 // 15
            "  openai:",                                          // 16
            "    kind: openai",                                   // 17
            "    base_url: https://api.openai.com/v1",            // 18
            "    api_key: ${OPENAI_API_KEY}",                     // 19
            "  anthropic:",                                       // 20
            "    kind: anthropic",                                // 21
            "    base_url: https://api.anthropic.com",            // 22
            "    api_key: sk-ant",                                // 23
            "models:",                                            // 24
            "  demo:",                                            // 25
            "    provider: mock",                                 // 26
            "    model: mock-gpt",                                // 27
            "  smart:",                                           // 28
            "    strategy: weighted",                             // 29
            "    attempts: 2",                                    // 30
            "    backoff_ms: 10",                                 // 31
            "    circuit: {failures: 3}",                         // 32
            "    timeouts: {connect_ms: 2000, first_token_ms: 30000, idle_ms: 60000, total_ms: 300000}", // 33
            "    deployments:",                                   // 34
            "      - provider: openai",                           // 35
            "        model: gpt-4o",                              // 36
            "        weight: 3",                                  // 37
            "        price: {input: 2.5, output: 10}",            // 38
            "      - provider: anthropic",                        // 39
            "        model: claude-sonnet-4-20250514",            // 40
            "        priority: 7",                                // 41
            "        weight: 0",                                  // 42
            "      - provider: mock",                             // 43
            "        model: mock-claude",                         // 44
            "");

    @Test
    void shouldReadDeploymentsStrategyAndPolicyOverTheUpstreamDefaults() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", ROUTED, Map.of());
        RoutePolicy up = c.upstream().defaultPolicy();
        assertThat(up).isEqualTo(new RoutePolicy(4, 50, 800, 5000, true, 4000, 90_000, 30_000, 0,
                new CircuitSettings(7, 2, 1000, 9000)));
        assertThat(c.upstream().connectTimeoutMs()).isEqualTo(4000);
        assertThat(c.upstream().firstByteTimeoutMs()).isEqualTo(90_000);
        assertThat(c.upstream().idleTimeoutMs()).isEqualTo(30_000);
        assertThat(c.upstream().totalTimeoutMs()).isZero();

        Route demo = c.routes().lookup("demo");
        assertThat(demo.strategy()).isEqualTo(Strategy.PRIORITY);
        assertThat(demo.policy()).isEqualTo(up);
        assertThat(demo.deployments()).hasSize(1);
        assertThat(demo.primary().name()).isEqualTo("mock/mock-gpt");
        assertThat(demo.primary().weight()).isEqualTo(1);
        assertThat(demo.primary().priority()).isZero();

        Route smart = c.routes().lookup("smart");
        assertThat(smart.strategy()).isEqualTo(Strategy.WEIGHTED);
        assertThat(smart.policy()).isEqualTo(new RoutePolicy(2, 10, 800, 5000, true, 2000, 30_000, 60_000, 300_000,
                new CircuitSettings(3, 2, 1000, 9000)));
        assertThat(smart.deployments()).extracting(Deployment::name).containsExactly("openai/gpt-4o",
                "anthropic/claude-sonnet-4-20250514", "mock/mock-claude");
        assertThat(smart.deployments()).extracting(Deployment::index).containsExactly(0, 1, 2);
        assertThat(smart.deployments()).extracting(Deployment::weight).containsExactly(3, 0, 1);
        assertThat(smart.deployments()).extracting(Deployment::priority).containsExactly(0, 7, 2);
        assertThat(smart.primary().price().inputMicrosPerMTok()).isEqualTo(2_500_000);
        assertThat(smart.deployments().get(1).price()).isNull();
        // The route-level accessors the proxy uses speak for the first deployment.
        assertThat(smart.provider().name()).isEqualTo("openai");
        assertThat(smart.upstreamModel()).isEqualTo("gpt-4o");
        assertThat(new String(smart.upstreamModelJson(), StandardCharsets.UTF_8)).isEqualTo("gpt-4o");
        assertThat(smart.price()).isSameAs(smart.primary().price());
    }

    @Test
    void shouldKeepADeploymentOfADisabledProviderButNeverPickIt() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", ROUTED, Map.of());
        Route smart = c.routes().lookup("smart");
        assertThat(smart.primary().provider().enabled()).isFalse();
        for (int i = 0; i < 200; i++) {
            // openai is disabled, anthropic weighs 0: only the mock deployment can serve.
            assertThat(smart.pick(1_000, 0).name()).isEqualTo("mock/mock-claude");
        }
        GatewayConfig keyed = ConfigLoader.parse("t.yaml", ROUTED, Map.of("OPENAI_API_KEY", "sk-o"));
        assertThat(keyed.routes().lookup("smart").primary().provider().enabled()).isTrue();
    }

    @Test
    void shouldUseTheDefaultsWhenUpstreamSaysNothingNew() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE, Map.of());
        assertThat(c.upstream().defaultPolicy()).isEqualTo(RoutePolicy.DEFAULTS);
        assertThat(c.upstream().maxEventBytes()).isEqualTo(UpstreamSettings.DEFAULT_MAX_EVENT_BYTES);
        assertThat(c.routes().lookup("demo").policy()).isEqualTo(RoutePolicy.DEFAULTS);
        assertThat(RoutePolicy.DEFAULTS.maxAttempts()).isEqualTo(3);
        assertThat(RoutePolicy.DEFAULTS.totalTimeoutMs()).isEqualTo(600_000);
        assertThat(RoutePolicy.DEFAULTS.resendAfterDispatch()).isFalse();
        assertThat(RoutePolicy.DEFAULTS.circuit()).isEqualTo(new CircuitSettings(5, 3, 5000, 300_000));
        GatewayConfig legacy = ConfigLoader.parse("t.yaml", "upstream:\n  first_byte_timeout_ms: 777\n", Map.of());
        assertThat(legacy.upstream().firstByteTimeoutMs()).isEqualTo(777);
    }

    @Test
    void shouldReportMistakesInDeploymentsAndPoliciesWithTheirLine() {
        assertError(ROUTED.replace("  attempts: 4", "  attempts: 11"), 6, "upstream.attempts",
                "11 (expected: 1-10)");
        assertError(ROUTED.replace("  max_backoff_ms: 800", "  max_backoff_ms: 20"), 8,
                "upstream.max_backoff_ms", ">= backoff_ms 50");
        assertError(ROUTED.replace("  total_timeout_ms: 0", "  total_timeout_ms: -1"), 5,
                "upstream.total_timeout_ms", "-1 (expected: 0-");
        assertError(ROUTED.replace("  idle_timeout_ms: 30000", "  first_byte_timeout_ms: 30000"), 3,
                "upstream.first_token_timeout_ms", "same setting");
        assertError(ROUTED.replace("  resend_after_dispatch: true", "  resend_after_dispatch: maybe"), 10,
                "upstream.resend_after_dispatch", "'maybe' (expected: true or false)");
        assertError(ROUTED.replace("connect_failures: 2,", "connect_failure: 2,"), 11,
                "upstream.circuit.connect_failure", "unknown setting");
        assertError(ROUTED.replace("max_ejection_ms: 9000", "max_ejection_ms: 900"), 11,
                "upstream.circuit.max_ejection_ms", ">= base_ejection_ms 1000");
        assertError(ROUTED.replace("  attempts: 4", "  retries: 4"), 6,
                "upstream.retries", "unknown setting");
        assertError(ROUTED.replace("strategy: weighted", "strategy: fastest"), 29, "models.smart.strategy",
                "'fastest' (expected: priority, weighted, least-latency or least-cost)");
        assertError(ROUTED.replace("    attempts: 2", "    attempts: 0"), 30, "models.smart.attempts",
                "0 (expected: 1-10)");
        assertError(ROUTED.replace("{failures: 3}", "{failures: 0}"), 32, "models.smart.circuit.failures",
                "0 (expected: 1-1000)");
        assertError(ROUTED.replace("idle_ms: 60000", "idle: 60000"), 33, "models.smart.timeouts.idle",
                "unknown setting");
        assertError(ROUTED.replace("        weight: 3", "        weight: -3"), 37,
                "models.smart.deployments[0].weight", "-3 (expected: 0-");
        assertError(ROUTED.replace("        weight: 3", "        wieght: 3"), 37,
                "models.smart.deployments[0].wieght", "unknown setting");
        assertError(ROUTED.replace("      - provider: anthropic", "      - provider: nope"), 39,
                "models.smart.deployments[1].provider", "'nope' names no provider");
        assertError(ROUTED.replace("        model: mock-claude", "        model: gpt-4o")
                        .replace("      - provider: mock", "      - provider: openai"), 43,
                "models.smart.deployments[2]", "openai/gpt-4o is listed twice");
        assertError(ROUTED.replace("        weight: 3", "        weight: 0")
                        .replace("        model: mock-claude", "        model: mock-claude\n        weight: 0"), 35,
                "models.smart.deployments", "every weight is 0");
        assertError(ROUTED.replace("    attempts: 2", "    provider: openai"), 30, "models.smart.provider",
                "cannot be combined with deployments");
        assertError("providers:\n  p: {kind: openai, base_url: mock}\nmodels:\n  x:\n    deployments: []\n", 5,
                "models.x.deployments", "expected a list of 1 to 64 deployments");
        assertError("models:\n  x:\n    deployments:\n      - just-a-name\n", 4, "models.x.deployments[0]",
                "expected a mapping");
    }

    @Test
    void shouldKeepDeploymentHealthAcrossReloadAndMockBinding() throws Exception {
        GatewayConfig running = ConfigLoader.parse("t.yaml", ROUTED, Map.of()).bind(4321, 0, 0);
        Route smart = running.routes().lookup("smart");
        Deployment mock = smart.deployments().get(2);
        smart.onFailure(mock, FailureKind.UPSTREAM, 1_000);
        smart.onSuccess(mock, 5_000_000);
        // An edit: the anthropic deployment goes, a new mock deployment comes, the mock one stays.
        String edited = ROUTED.replace("      - provider: anthropic\n        model: claude-sonnet-4-20250514\n"
                + "        priority: 7\n        weight: 0\n", "      - provider: mock\n        model: other\n");
        GatewayConfig next = ConfigLoader.parse("t.yaml", edited, Map.of()).keepRuntimeOf(running).bind(4321, -1, -1);
        Route nextSmart = next.routes().lookup("smart");
        Deployment kept = nextSmart.deployments().get(2);
        assertThat(kept.name()).isEqualTo("mock/mock-claude");
        assertThat(kept.health()).isSameAs(mock.health());
        assertThat(kept.health().upstreamFailures()).isEqualTo(1);
        assertThat(kept.health().ewmaTtftNs()).isEqualTo(5_000_000);
        assertThat(kept.provider().port()).isEqualTo(4321);
        assertThat(nextSmart.deployments().get(1).name()).isEqualTo("mock/other");
        assertThat(nextSmart.deployments().get(1).health().picks()).isZero();
        assertThat(next.routes().lookup("demo").primary().health())
                .isSameAs(running.routes().lookup("demo").primary().health());
    }

    @Test
    void shouldLeaveTelemetryOffUnlessAnOtlpEndpointIsSetAndRefuseABadOne() throws Exception {
        Map<String, String> env = Map.of("OPENAI_API_KEY", "sk-a");
        assertThat(ConfigLoader.parse("t.yaml", BASE, env).telemetry()).as("the default").isNull();
        assertThat(ConfigLoader.parse("t.yaml", BASE + "\ntelemetry: {otlp: {endpoint: \"${OTLP:-}\"}}\n", env)
                .telemetry()).as("an unset variable").isNull();
        TelemetrySettings t = ConfigLoader.parse("t.yaml", BASE + "\ntelemetry:\n  service_name: gw-eu\n"
                + "  otlp: {endpoint: \"http://127.0.0.1:4318/\", queue_size: 64, timeout_ms: 500}\n", env).telemetry();
        assertThat(t.tracesUrl()).isEqualTo("http://127.0.0.1:4318/v1/traces");
        assertThat(t.metricsUrl()).isEqualTo("http://127.0.0.1:4318/v1/metrics");
        assertThat(t.serviceName()).isEqualTo("gw-eu");
        assertThat(t.queueSize()).isEqualTo(64);
        assertThat(t.timeoutMs()).isEqualTo(500);
        assertThat(t.metricsIntervalMs()).isEqualTo(TelemetrySettings.DEFAULT_METRICS_INTERVAL_MS);
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE + "\ntelemetry: {otlp: {endpoint: "
                + "\"grpc://collector:4317\"}}\n", env)).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.field()).isEqualTo("telemetry.otlp.endpoint"));
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE + "\ntelemetry: {otlp: {endpiont: "
                + "\"http://c:4318\"}}\n", env)).isInstanceOfSatisfying(ConfigException.class,
                        e -> assertThat(e.getMessage()).contains("endpiont").contains("endpoint"));
    }

    @Test
    void shouldRefuseProviderKeysThatCouldInjectHeadersWithoutShowingThem() {
        assertThatThrownBy(() -> ConfigLoader.parse("t.yaml", BASE, Map.of("OPENAI_API_KEY", "sk-a\r\nX-Evil: 1")))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.field()).isEqualTo("providers.openai.api_key");
                    assertThat(e.getMessage()).doesNotContain("sk-a").doesNotContain("Evil");
                });
    }

    @Test
    void shouldSubstituteEnvironmentWithDefaults() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE.replace("port: 9000", "port: ${PORT:-9100}")
                + "data_dir: ${DATA:-/tmp/x}\n", Map.of());
        assertThat(c.server().port()).isEqualTo(9100);
        assertThat(c.dataDir()).isEqualTo(Path.of("/tmp/x"));
    }

    @Test
    void shouldTakeRelativePathsRelativeToTheFilesDirectory(@TempDir Path tmp) throws Exception {
        Path conf = Files.createDirectories(tmp.resolve("etc/sluice")).resolve("gateway.yaml");
        Files.writeString(conf, BASE + "data_dir: ${DATA:-store}\n"
                + "journal: {signing_key_file: ../keys/journal.key}\n");
        GatewayConfig c = ConfigLoader.load(conf, Map.of());
        assertThat(c.dataDir()).isEqualTo(tmp.resolve("etc/sluice/store"));
        assertThat(c.journal().signingKeyFile()).isEqualTo(tmp.resolve("etc/keys/journal.key"));
        assertThat(ConfigLoader.load(conf, Map.of("DATA", "var/data")).dataDir())
                .as("a relative path from a variable too").isEqualTo(tmp.resolve("etc/sluice/var/data"));
        assertThat(ConfigLoader.load(conf, Map.of("DATA", "/srv/sluice")).dataDir()).isEqualTo(Path.of("/srv/sluice"));

        Files.writeString(conf, BASE);
        assertThat(ConfigLoader.load(conf, Map.of()).dataDir()).as("the default, data")
                .isEqualTo(tmp.resolve("etc/sluice/data"));
    }

    @Test
    void shouldKeepTheShippedDataDirectoryAtTheInstallationsRoot() throws Exception {
        Path shipped = Path.of("../conf/sluice.yaml");
        assertThat(ConfigLoader.load(shipped, Map.of()).dataDir())
                .isEqualTo(shipped.toAbsolutePath().getParent().getParent().normalize().resolve("data"));
    }

    @Test
    void shouldLookUpRoutesFromBodyBytesWithoutStrings() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE, Map.of());
        ByteBuf body = Unpooled.copiedBuffer("{\"model\":\"llama\"}", StandardCharsets.UTF_8);
        try {
            assertThat(c.routes().lookup(body, 10, 15).name()).isEqualTo("llama");
            assertThat(c.routes().lookup(body, 10, 14)).isNull();
        } finally {
            body.release();
        }
    }

    @Test
    void shouldBindTheBuiltInMockPort() throws Exception {
        GatewayConfig c = ConfigLoader.parse("t.yaml", BASE, Map.of()).bind(4321, 0, -1);
        assertThat(c.routes().lookup("demo").provider().port()).isEqualTo(4321);
        assertThat(c.routes().lookup("llama").provider().port()).isEqualTo(11434);
        assertThat(c.server().port()).isZero();
        assertThat(c.server().adminPort()).isEqualTo(8081);
    }
}
