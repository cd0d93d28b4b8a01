package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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

/** {@code kill -HUP} makes a running {@code sluice serve} re-read its configuration file. */
@Timeout(180)
class HangupReloadSystemTest {
    private ChildGateway child;

    @AfterEach
    void stop() {
        if (child != null) {
            child.close();
        }
    }

    @Test
    void shouldReloadOnSighup(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        String original = Files.readString(TestGateway.defaultConfig());
        Files.writeString(conf, original);
        child = ChildGateway.start(conf, dir.resolve("data"), "--no-watch");
        int port = child.port();
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).contains("\"model\":\"mock-gpt\"");

        Files.writeString(conf, original.replace("model: mock-gpt\n", "model: mock-gpt-hup\n"));
        // Not watched: nothing changes until the signal.
        Thread.sleep(ConfigReloader.DEBOUNCE_MS * 3);
        assertThat(http.send(req, HttpResponse.BodyHandlers.ofString()).body()).contains("\"model\":\"mock-gpt\"");

        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.process().pid())).start();
        assertThat(kill.waitFor()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                http.send(req, HttpResponse.BodyHandlers.ofString()).body().contains("\"model\":\"mock-gpt-hup\""));
        assertThat(child.process().isAlive()).isTrue();
    }
}
