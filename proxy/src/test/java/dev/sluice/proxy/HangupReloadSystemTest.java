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
import java.util.List;

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
        // Started with SIGHUP's default disposition even when this test runs under nohup (an ignored SIGHUP is
        // inherited, and the JVM will not handle a signal it was started ignoring).
        child = ChildGateway.start(List.of("env", "--default-signal=HUP"), conf, dir.resolve("data"), "--no-watch");
        assertThat(child.output()).doesNotContain("SIGHUP is ignored");
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

    @Test
    void shouldSaySoWhenStartedWithSighupIgnored(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, Files.readString(TestGateway.defaultConfig()));
        child = ChildGateway.start(List.of("nohup"), conf, dir.resolve("data"), "--no-watch");
        assertThat(child.output()).contains("SIGHUP is ignored by this process", "POST /admin/reload");

        // The signal is ignored, not fatal: the gateway still serves after it.
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.process().pid())).start();
        assertThat(kill.waitFor()).isZero();
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + child.port()
                        + "/v1/chat/completions")).header("Authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(child.process().isAlive()).isTrue();
    }
}
