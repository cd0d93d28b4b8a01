package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.mock.MockProvider;
import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/**
 * A provider added by base URL (what vLLM, Ollama or LM Studio are to the gateway): paths are the base URL's
 * plus the endpoint's, the provider key comes from the environment, and the built-in mock can be off.
 */
@Timeout(60)
class OpenAiCompatibleProviderSystemTest {
    private MockProvider server;
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldServeAModelFromAnOpenAiCompatibleBaseUrl(@TempDir Path dataDir) throws Exception {
        server = MockProvider.start("127.0.0.1", 0);
        String yaml = String.join("\n",
                "mock_provider:",
                "  enabled: false",
                "providers:",
                "  local:",
                "    kind: openai",
                "    base_url: http://127.0.0.1:" + server.port() + "/v1",
                "    api_key: ${LOCAL_KEY}",
                "models:",
                "  llama:",
                "    provider: local",
                "    model: llama3.1:8b",
                "keys:",
                "  - id: app",
                "    hash: sha256:" + KeyDigester.sha256Hex("sk-app-123456"),
                "    models: \"*\"",
                "");
        GatewayConfig cfg = ConfigLoader.parse("local.yaml", yaml, Map.of("LOCAL_KEY", "local-secret"))
                .bind(0, 0, 0).withDataDir(dataDir);
        gateway = Gateway.start(cfg);
        assertThat(gateway.mock()).isNull();

        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer sk-app-123456").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"llama\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi [[mock tokens=3]]\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"completion_tokens\":3");
        MockRecord seen = server.records().get(0);
        assertThat(seen.path()).isEqualTo("/v1/chat/completions");
        assertThat(seen.header("authorization")).isEqualTo("Bearer local-secret");
        assertThat(new String(seen.body())).contains("\"model\":\"llama3.1:8b\"").doesNotContain("\"llama\"");
    }
}
