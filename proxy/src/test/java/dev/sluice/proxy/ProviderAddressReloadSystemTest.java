package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;
import dev.sluice.mock.MockProvider;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.KeyDigester;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A reload that moves a provider to another address applies to requests that start after it: a request that
 * started before finishes on its own snapshot, its later attempts included, and so does the address it resolved.
 */
@Timeout(120)
class ProviderAddressReloadSystemTest {
    private static final String SECRET = "sk-address-reload";

    private final HttpClient http = HttpClient.newHttpClient();
    private MockProvider first;
    private MockProvider second;
    private Gateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
    }

    private static String config(int providerPort) {
        return "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "upstream: {attempts: 3, max_retry_after_ms: 60000}\n"
                + "mock_provider: {enabled: false}\n"
                + "providers:\n  far: {kind: openai, base_url: \"http://127.0.0.1:" + providerPort + "/v1\"}\n"
                + "models:\n  pinned: {provider: far, model: gpt-x}\n"
                + "keys:\n  - {id: k, hash: \"sha256:" + KeyDigester.sha256Hex(SECRET) + "\", models: \"*\"}\n";
    }

    private CompletableFuture<HttpResponse<String>> chat() {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/chat/completions")).header("Authorization", "Bearer " + SECRET)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"pinned\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldKeepTheAddressOfTheSnapshotARequestStartedWith(@TempDir Path dir) throws Exception {
        first = MockProvider.start("127.0.0.1", 0);
        second = MockProvider.start("127.0.0.1", 0);
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, config(first.port()));
        gateway = Gateway.start(ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dir.resolve("data")));
        String before = gateway.config().version();

        // The first answer is a 429 asking for a wait: the request's second attempt comes after the reload.
        first.behave("gpt-x", "status=429 retry_after=5 times=1");
        CompletableFuture<HttpResponse<String>> started = chat();
        await().atMost(Duration.ofSeconds(60)).until(() -> first.records().size() == 1);

        Files.writeString(conf, config(second.port()));
        assertThat(gateway.apply(ConfigLoader.load(conf, Map.of()).withDataDir(dir.resolve("data")))).isEmpty();
        String after = gateway.config().version();
        assertThat(after).isNotEqualTo(before);

        HttpResponse<String> old = started.get(60, TimeUnit.SECONDS);
        assertThat(old.statusCode()).isEqualTo(200);
        assertThat(first.records()).hasSize(2);
        assertThat(second.records()).isEmpty();

        HttpResponse<String> fresh = chat().get(60, TimeUnit.SECONDS);
        assertThat(fresh.statusCode()).isEqualTo(200);
        assertThat(second.records()).hasSize(1);
        assertThat(first.records()).hasSize(2);

        long oldId = RequestIds.parse(TestGateway.requestId(old));
        await().atMost(Duration.ofSeconds(30)).until(() -> endOf(oldId) != null);
        JournalEntry oldEnd = endOf(oldId);
        assertThat(oldEnd.outcome()).isEqualTo("ok");
        assertThat(oldEnd.end().attemptCount()).isEqualTo(2);
    }

    private JournalEntry endOf(long requestId) {
        try (JournalReader r = JournalReader.open(gateway.journalDir())) {
            List<JournalEntry> all = r.last(100, Long.MIN_VALUE);
            return all.stream().filter(e -> e.requestId() == requestId && e.end() != null).findFirst().orElse(null);
        }
    }
}
