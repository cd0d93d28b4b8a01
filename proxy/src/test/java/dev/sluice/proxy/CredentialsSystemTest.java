package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The client's key never goes upstream; the provider's key is added, and never comes back to the client. */
@Timeout(60)
class CredentialsSystemTest {
    private static final String PROVIDER_KEY = "prov-canary-7f3a9c";
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void shouldStripClientCredentialsAndAddProviderKey(@TempDir Path dataDir) throws Exception {
        String text = Files.readString(TestGateway.defaultConfig())
                .replaceFirst("base_url: mock\n", "base_url: mock\n    api_key: \\${MOCK_KEY}\n")
                .replace("base_url: mock\n  openai:", "base_url: mock\n    api_key: ${MOCK_KEY}\n  openai:");
        GatewayConfig cfg = ConfigLoader.parse("test.yaml", text, Map.of("MOCK_KEY", PROVIDER_KEY))
                .bind(0, 0, 0).withDataDir(dataDir);
        gateway = Gateway.start(cfg);
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + gateway.port();
        HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("x-api-key", TestGateway.DEMO_KEY)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> msg = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/messages"))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo-claude\",\"max_tokens\":8,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(msg.statusCode()).isEqualTo(200);
        for (HttpResponse<String> r : java.util.List.of(chat, msg)) {
            assertThat(r.body()).doesNotContain(PROVIDER_KEY);
            assertThat(r.headers().map().toString()).doesNotContain(PROVIDER_KEY);
        }
        MockRecord openai = gateway.mock().records().get(0);
        MockRecord anthropic = gateway.mock().records().get(1);
        assertThat(openai.header("authorization")).isEqualTo("Bearer " + PROVIDER_KEY);
        assertThat(openai.header("x-api-key")).isNull();
        assertThat(anthropic.header("x-api-key")).isEqualTo(PROVIDER_KEY);
        assertThat(anthropic.header("authorization")).isNull();
        assertThat(anthropic.header("anthropic-version")).isEqualTo("2023-06-01");
        for (MockRecord r : gateway.mock().records()) {
            assertThat(r.headers().toString()).doesNotContain(TestGateway.DEMO_KEY);
            assertThat(new String(r.body())).doesNotContain(TestGateway.DEMO_KEY);
        }
        // Journal files hold key ids only: neither secret appears in them.
        try (var files = Files.walk(gateway.journalDir())) {
            for (var f : (Iterable<java.nio.file.Path>) files.filter(Files::isRegularFile)::iterator) {
                String bytes = new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertThat(bytes).doesNotContain(TestGateway.DEMO_KEY).doesNotContain(PROVIDER_KEY);
            }
        }
    }
}
