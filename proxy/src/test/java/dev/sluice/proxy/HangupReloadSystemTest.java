package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code kill -HUP} makes a running {@code sluice serve} re-read its configuration file. */
@Timeout(90)
class HangupReloadSystemTest {
    private static final Pattern LISTENING = Pattern.compile("sluice listening on http://127\\.0\\.0\\.1:(\\d+)");
    private Process child;

    @AfterEach
    void stop() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void shouldReloadOnSighup() throws Exception {
        Path dir = Files.createTempDirectory("sluice-hup");
        Path conf = dir.resolve("sluice.yaml");
        String original = Files.readString(TestGateway.defaultConfig());
        Files.writeString(conf, original);
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle") || arg.startsWith("--enable-native")
                    || arg.startsWith("--sun-misc")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sluice.proxy.cli.SluiceCommand",
                "serve", "--config", conf.toString(), "--port", "0", "--admin-port", "0", "--no-watch",
                "--data-dir", dir.resolve("data").toString()));
        child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        int port = -1;
        String line;
        while (port < 0 && (line = out.readLine()) != null) {
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertThat(port).as("the child gateway started").isPositive();
        Thread drain = new Thread(() -> {
            try {
                while (out.readLine() != null) {
                    // keep the pipe empty
                }
            } catch (Exception ignored) {
                // the child died
            }
        });
        drain.setDaemon(true);
        drain.start();
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

        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(child.pid())).start();
        assertThat(kill.waitFor()).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                http.send(req, HttpResponse.BodyHandlers.ofString()).body().contains("\"model\":\"mock-gpt-hup\""));
        assertThat(child.isAlive()).isTrue();
    }
}
