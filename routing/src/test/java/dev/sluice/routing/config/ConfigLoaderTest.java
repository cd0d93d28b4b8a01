package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;

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
