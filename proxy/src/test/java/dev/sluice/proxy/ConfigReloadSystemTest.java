package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.ConfigRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.routing.config.ConfigLoader;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Editing the configuration file takes effect without a restart; an invalid file changes nothing and says where
 * it is wrong; a request in flight finishes on the snapshot it started with; every applied version is journaled.
 */
@Timeout(300)
class ConfigReloadSystemTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private Gateway gateway;
    private ConfigReloader reloader;

    @AfterEach
    void stop() {
        if (reloader != null) {
            reloader.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private String chat(String content) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"" + content + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldApplyEditsWithoutRestartAndKeepTheRunningSnapshotOnErrors(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        String original = Files.readString(TestGateway.defaultConfig());
        Files.writeString(conf, original);
        gateway = Gateway.start(ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dir.resolve("data")));
        reloader = ConfigReloader.start(gateway, conf, Map.of(), true);
        String v1 = gateway.config().version();
        assertThat(chat("hi")).contains("\"model\":\"mock-gpt\"");

        // A stream that starts on the first snapshot...
        CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"slow [[mock tokens=20 token_ms=50]]\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(60)).until(() -> gateway.mock().records().size() == 2);

        // ...while the file is edited: the watch applies it.
        Files.writeString(conf, original.replace("model: mock-gpt\n", "model: mock-gpt-reloaded\n"));
        await().atMost(Duration.ofSeconds(60)).until(() -> chat("hi").contains("\"model\":\"mock-gpt-reloaded\""));
        String v2 = gateway.config().version();
        assertThat(v2).isNotEqualTo(v1);

        HttpResponse<String> stream = inFlight.get();
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("\"model\":\"mock-gpt\"").doesNotContain("mock-gpt-reloaded")
                .endsWith("data: [DONE]\n\n");

        // A syntax error changes nothing and says where.
        Files.writeString(conf, original.replace("model: mock-gpt\n", "model: [mock-gpt\n"));
        HttpResponse<String> bad = admin("POST", "/admin/reload");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid_config").contains(conf.toString() + ":").contains("YAML syntax");
        assertThat(gateway.config().version()).isEqualTo(v2);
        assertThat(chat("hi")).contains("\"model\":\"mock-gpt-reloaded\"");
        assertThat(admin("GET", "/admin/config").body()).contains("\"config_version\":\"" + v2 + "\"")
                .contains("YAML syntax");

        // A field error too: file, line and field.
        Files.writeString(conf, original.replace("provider: mock-anthropic", "provider: nowhere"));
        HttpResponse<String> field = admin("POST", "/admin/reload");
        assertThat(field.statusCode()).isEqualTo(400);
        assertThat(field.body()).containsPattern(":\\d+: models\\.demo-claude\\.provider: 'nowhere' names no provider");
        assertThat(gateway.config().version()).isEqualTo(v2);

        // Fixed: applied through the admin API.
        Files.writeString(conf, original);
        await().atMost(Duration.ofSeconds(60)).until(() -> gateway.config().version().equals(v1));
        assertThat(chat("hi")).contains("\"model\":\"mock-gpt\"");
        assertThat(admin("POST", "/admin/reload").body()).contains("\"status\":\"unchanged\"");

        List<String> versions = new ArrayList<>();
        List<AdminRecord> reloads = new ArrayList<>();
        try (JournalReader r = JournalReader.open(gateway.journalDir())) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onConfig(ConfigRecord c) {
                    versions.add(c.version());
                }

                @Override
                public void onAdmin(AdminRecord a) {
                    if (a.action().equals("config.reload") && a.actor().equals("config-file")) {
                        reloads.add(a);
                    }
                }
            }, 1000) > 0) {
                // read on
            }
            List<JournalEntry> entries = r.toStart().last(Integer.MAX_VALUE, 0);
            assertThat(entries).filteredOn(e -> e.request().stream()).singleElement()
                    .satisfies(e -> assertThat(e.end().servedModel()).isEqualTo("mock-gpt"));
        }
        assertThat(versions).containsExactly(v1, v2, v1);
        // The journal says what each reload changed, or why it was refused (journal tail --admin shows these).
        // (The file watch and the admin API may both reload one edit: an invalid file may be refused twice.)
        List<String> seen = reloads.stream().map(a -> a.outcome().wireName() + " " + a.detail()).toList();
        assertThat(seen).filteredOn(d -> d.startsWith("ok ")).satisfiesExactly(
                d -> assertThat(d).startsWith("ok " + v1 + " -> " + v2 + ", changed: models;"),
                d -> assertThat(d).startsWith("ok " + v2 + " -> " + v1 + ", changed: models;"));
        assertThat(seen).anySatisfy(d -> assertThat(d).startsWith("invalid refused, " + v2 + " stays: ")
                .contains("YAML syntax"));
        assertThat(seen).anySatisfy(d -> assertThat(d).startsWith("invalid refused, " + v2 + " stays: ")
                .contains("models.demo-claude.provider: 'nowhere' names no provider"));
    }
}
