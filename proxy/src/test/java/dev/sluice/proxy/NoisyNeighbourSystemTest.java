package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A noisy neighbour (RELIABILITY.md B7): key X sends ten times its request quota plus a flood of long streams past
 * its concurrency cap, while keys Y and Z send at their normal pace. X is refused with 429 and Retry-After, every
 * request of Y and Z is served; their latencies with and without the flood are printed (compared in bench/, never
 * asserted here).
 */
@Timeout(120)
class NoisyNeighbourSystemTest {
    private static final String X = "sk-noisy-neighbour-x";
    private static final String Y = "sk-quiet-neighbour-y";
    private static final String Z = "sk-quiet-neighbour-z";
    private static final int X_RPM = 60;
    private static final long PHASE_MS = 4_000;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldRefuseTheNoisyKeyAndServeTheOthers() throws Exception {
        String shipped = Files.readString(TestGateway.defaultConfig());
        String keys = "keys:\n" + key("noisy-x", X, "{requests_per_minute: " + X_RPM + ", concurrent: 2}")
                + key("quiet-y", Y, null) + key("quiet-z", Z, null);
        assertThat(shipped).contains("\nkeys:\n");
        gw = TestGateway.startWith(shipped.replace("\nkeys:\n", "\n" + keys));

        quiet(new Histogram(3), 1_000, new AtomicInteger()); // warm-up, not counted
        Histogram baseline = new Histogram(3);
        quiet(baseline, PHASE_MS, new AtomicInteger());

        AtomicBoolean flooding = new AtomicBoolean(true);
        AtomicInteger xOk = new AtomicInteger();
        AtomicInteger x429 = new AtomicInteger();
        AtomicInteger xOther = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> flood = new ArrayList<>();
        try {
            for (int t = 0; t < 6; t++) {
                boolean streams = t >= 4;
                flood.add(pool.submit(() -> {
                    while (flooding.get()) {
                        // Ten times the quota from four threads; two more keep starting long streams.
                        HttpResponse<String> r = send(X, streams ? "[[mock tokens=200 token_ms=10]]" : "hi", streams);
                        if (r.statusCode() == 200) {
                            xOk.incrementAndGet();
                        } else if (r.statusCode() == 429) {
                            assertThat(r.headers().firstValue("retry-after")).isPresent();
                            x429.incrementAndGet();
                        } else {
                            xOther.incrementAndGet();
                        }
                        sleepQuietly(streams ? 0 : 4 * 60_000 / (10 * X_RPM));
                    }
                    return null;
                }));
            }
            Histogram underFlood = new Histogram(3);
            AtomicInteger quietErrors = new AtomicInteger();
            quiet(underFlood, PHASE_MS, quietErrors);
            flooding.set(false);
            for (Future<?> f : flood) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(quietErrors.get()).as("Y and Z refused or failed").isZero();
            assertThat(x429.get()).isPositive();
            assertThat(xOther.get()).isZero();
            assertThat(xOk.get()).as("X admitted within its quota and concurrency").isLessThanOrEqualTo(X_RPM);
            System.out.printf("B7: X at 10x its %d rpm plus a stream flood past its concurrency of 2: %d refused 429,"
                    + " %d served; Y and Z: %d requests, %d refused or failed; their p99 %.1f ms alone, %.1f ms beside"
                    + " the flood (p50 %.1f / %.1f ms; reported, compared in bench/)%n", X_RPM, x429.get(), xOk.get(),
                    underFlood.getTotalCount(), quietErrors.get(), baseline.getValueAtPercentile(99) / 1000.0,
                    underFlood.getValueAtPercentile(99) / 1000.0, baseline.getValueAtPercentile(50) / 1000.0,
                    underFlood.getValueAtPercentile(50) / 1000.0);
        } finally {
            flooding.set(false);
            pool.shutdownNow();
        }
    }

    /** Y and Z each send one request after another for {@code ms}; latencies (us) go into {@code h}. */
    private void quiet(Histogram h, long ms, AtomicInteger errors) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> both = new ArrayList<>();
            for (String key : List.of(Y, Z)) {
                both.add(pool.submit(() -> {
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = send(key, "hi", false);
                        synchronized (h) {
                            h.recordValue((System.nanoTime() - t0) / 1000);
                        }
                        if (r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        sleepQuietly(20);
                    }
                    return null;
                }));
            }
            for (Future<?> f : both) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private HttpResponse<String> send(String key, String content, boolean stream) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":" + stream + ",\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String key(String id, String secret, String limits) throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(secret.getBytes(StandardCharsets.UTF_8)));
        return "  - id: " + id + "\n    hash: sha256:" + hash + "\n    team: demo\n    user: " + id
                + "\n    models: [demo]\n" + (limits == null ? "" : "    limits: " + limits + "\n");
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
