package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Editing a route's weights in the configuration file under load moves the traffic once the new snapshot is in
 * place and fails no request; a syntax error in the file changes nothing and is reported with its file and line.
 */
@Timeout(300)
class WeightsReloadSystemTest {
    /** How long the load or a reload may take to reach a point on a loaded machine. */
    private static final Duration WAIT = Duration.ofSeconds(60);

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

    private static String config(int weightA, int weightB) {
        return FallbackSystemTest.config("", "", "  split:\n    strategy: weighted\n    deployments:\n"
                + "      - {provider: mock, model: gpt-a, weight: " + weightA + "}\n"
                + "      - {provider: mock, model: gpt-b, weight: " + weightB + "}\n");
    }

    /** One request of the load: when it was sent and answered, and what answered it. */
    private record Sample(long sentNs, long atNs, int status, String model) {
    }

    @Test
    void shouldShiftTrafficOnReloadWithoutFailingARequest(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, config(1, 0));
        gateway = Gateway.start(ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dir.resolve("data")));
        reloader = ConfigReloader.start(gateway, conf, Map.of(), true);
        URI uri = URI.create("http://127.0.0.1:" + gateway.port() + "/v1/chat/completions");
        HttpRequest req = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + TestGateway.DEMO_KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"split\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();

        ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            workers.add(load.submit(() -> {
                while (running.get()) {
                    long sentNs = System.nanoTime();
                    HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                    String body = r.body();
                    samples.add(new Sample(sentNs, System.nanoTime(), r.statusCode(),
                            body.contains("\"model\":\"gpt-b\"") ? "b" : body.contains("\"model\":\"gpt-a\"") ? "a"
                                    : "?"));
                }
                return null;
            }));
        }
        try {
            await().atMost(WAIT).until(() -> samples.size() > 200);
            String v1 = gateway.config().version();

            long editedAt = System.nanoTime();
            Files.writeString(conf, config(0, 1));
            await().atMost(WAIT).until(() -> !gateway.config().version().equals(v1));
            long appliedAt = System.nanoTime();
            // Let the load run on the new weights for a while.
            int mark = samples.size();
            await().atMost(WAIT).until(() -> samples.size() > mark + 300);

            // A syntax error under load: nothing changes, the error is reported.
            String v2 = gateway.config().version();
            Files.writeString(conf, config(0, 1).replace("strategy: weighted", "strategy: [weighted"));
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + gateway.adminPort() + "/admin/config")).build(), HttpResponse.BodyHandlers.ofString());
            await().atMost(WAIT).until(() -> http.send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + gateway.adminPort() + "/admin/config")).build(),
                    HttpResponse.BodyHandlers.ofString()).body().contains("YAML syntax"));
            int mark2 = samples.size();
            await().atMost(WAIT).until(() -> samples.size() > mark2 + 200);
            assertThat(gateway.config().version()).isEqualTo(v2);
            assertThat(status.statusCode()).isEqualTo(200);
            running.set(false);
            for (Future<?> w : workers) {
                w.get();
            }

            long failed = samples.stream().filter(s -> s.status() != 200).count();
            long lastA = samples.stream().filter(s -> s.model().equals("a")).mapToLong(Sample::atNs).max()
                    .orElseThrow();
            long bAfterError = samples.stream().skip(mark2).filter(s -> s.model().equals("b")).count();
            long afterError = samples.size() - mark2;
            // Sent once the new snapshot was seen in place: each of these must have been routed by it.
            List<String> afterApplied = samples.stream().filter(s -> s.sentNs() - appliedAt > 0)
                    .map(Sample::model).toList();
            double shiftMs = (lastA - editedAt) / 1e6;
            System.out.printf("weights reload under load: %d requests, %d failed; file edited -> snapshot applied in "
                            + "%.0f ms, last request to the old weights %.0f ms after the edit; after a syntax error "
                            + "%d/%d still on the new weights (times reported, not asserted)%n", samples.size(), failed,
                    (appliedAt - editedAt) / 1e6, shiftMs, bAfterError, afterError);
            assertThat(failed).isZero();
            assertThat(afterApplied).hasSizeGreaterThan(300).containsOnly("b");
            assertThat(bAfterError).isEqualTo(afterError);
            assertThat(samples).extracting(Sample::model).doesNotContain("?");
        } finally {
            running.set(false);
            load.shutdownNow();
        }
    }
}
