package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * RELIABILITY.md D5 and B8: the journal's file system fills up under load. The data directory is a small tmpfs;
 * once a filler file leaves less free space than {@code server.journal_min_free_bytes}, new requests get 503
 * {@code audit_unavailable} in their own dialect (nothing touches the queue's mapped pages on a full disk, so no
 * SIGBUS), every request that got a 200 has its REQUEST and END in the journal, and the gateway serves again by
 * itself once the filler is gone.
 */
@Timeout(120)
class DiskFullSystemTest {
    private static final long TMPFS_BYTES = 32L * 1024 * 1024;
    private static final long MIN_FREE_BYTES = 8L * 1024 * 1024;
    /** Free space the filler leaves: below the threshold, yet room for the ENDs of requests in flight. */
    private static final long LEFT_FREE_BYTES = 3L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Path base;
    private Path mount;
    private boolean mounted;
    private Gateway gateway;
    private final AtomicBoolean loadRuns = new AtomicBoolean(true);
    private final List<Thread> load = new ArrayList<>();

    @BeforeEach
    void mountTmpfs() throws Exception {
        base = Files.createTempDirectory("sluice-diskfull");
        mount = Files.createDirectory(base.resolve("data"));
        int rc = run("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_BYTES, "tmpfs", mount.toString());
        Assumptions.assumeTrue(rc == 0, "cannot mount a tmpfs here (needs root and mount permission): rc " + rc);
        mounted = true;
    }

    @AfterEach
    void cleanUp() throws Exception {
        loadRuns.set(false);
        for (Thread t : load) {
            t.join(30_000);
        }
        try {
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            try {
                if (mounted) {
                    assertThat(run("umount", mount.toString())).as("umount " + mount).isZero();
                }
            } finally {
                TempDirs.deleteRecursively(base);
            }
        }
    }

    @Test
    void shouldRefuseWithAuditUnavailableWhileTheDiskIsFullAndServeAgainAfter() throws Exception {
        String yaml = Files.readString(TestGateway.defaultConfig()).replace("  journal_mode: direct",
                "  journal_mode: direct\n  journal_min_free_bytes: " + MIN_FREE_BYTES
                        + "\n  journal_min_free_percent: 0");
        Path conf = base.resolve("sluice.yaml");
        Files.writeString(conf, yaml);
        GatewayConfig cfg = ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(mount);
        assertThat(cfg.server().journalMinFreeBytes()).isEqualTo(MIN_FREE_BYTES);
        gateway = Gateway.start(cfg);

        assertThat(send(false).statusCode()).isEqualTo(200);
        assertThat(send(true).statusCode()).isEqualTo(200);

        Queue<HttpResponse<String>> answers = new ConcurrentLinkedQueue<>();
        for (int i = 0; i < 2; i++) {
            boolean anthropic = i == 1;
            Thread t = new Thread(() -> {
                while (loadRuns.get()) {
                    answers.add(send(anthropic));
                }
            }, "disk-full-load-" + i);
            t.setDaemon(true);
            t.start();
            load.add(t);
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> answers.size() >= 20);

        Path filler = mount.resolve("filler");
        long filled = fill(filler, Files.getFileStore(mount).getUsableSpace() - LEFT_FREE_BYTES);
        assertThat(Files.getFileStore(mount).getUsableSpace()).isLessThan(MIN_FREE_BYTES);

        HttpResponse<String> openAiRefusal = awaitStatus(false, 503);
        HttpResponse<String> anthropicRefusal = awaitStatus(true, 503);
        JsonNode openAi = JSON.readTree(openAiRefusal.body());
        assertThat(openAi.at("/error/code").asText()).isEqualTo("audit_unavailable");
        assertThat(openAi.at("/error/type").asText()).isEqualTo("server_error");
        JsonNode anthropic = JSON.readTree(anthropicRefusal.body());
        assertThat(anthropic.at("/type").asText()).isEqualTo("error");
        assertThat(anthropic.at("/error/type").asText()).isEqualTo("overloaded_error");
        assertThat(anthropic.at("/error/message").asText()).contains("cannot record requests");
        assertThat(openAiRefusal.headers().firstValue("retry-after")).contains("1");

        Files.delete(filler);
        awaitStatus(false, 200);
        awaitStatus(true, 200);
        loadRuns.set(false);
        for (Thread t : load) {
            t.join(30_000);
        }
        gateway.close();

        Map<Long, JournalEntry> journaled = new HashMap<>();
        long undecodable;
        try (JournalReader r = JournalReader.open(mount.resolve("journal"))) {
            for (JournalEntry e : r.last(Integer.MAX_VALUE, 0)) {
                journaled.put(e.requestId(), e);
            }
            undecodable = r.undecodableRecords();
        }
        int ok = 0;
        int refused = 0;
        for (HttpResponse<String> a : answers) {
            if (a.statusCode() == 200) {
                ok++;
                JournalEntry e = journaled.get(RequestIds.parse(TestGateway.requestId(a)));
                assertThat(e).as("REQUEST of served %s", TestGateway.requestId(a)).isNotNull();
                assertThat(e.end()).as("END of served %s", TestGateway.requestId(a)).isNotNull();
                assertThat(e.end().status()).isEqualTo(200);
                assertThat(e.outcome()).isEqualTo("ok");
            } else {
                assertThat(a.statusCode()).as(a.body()).isEqualTo(503);
                assertThat(a.body()).containsAnyOf("audit_unavailable", "cannot record requests");
                refused++;
            }
        }
        assertThat(undecodable).isZero();
        System.out.printf("disk full: filler %d bytes, %d answers under load: %d served and journaled, %d refused"
                + " 503 audit_unavailable, 0 served without a journal record%n", filled, answers.size(), ok, refused);
    }

    /** One request in either dialect; a transport failure is an assertion failure (the gateway must answer). */
    private HttpResponse<String> send(boolean anthropic) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + (anthropic ? "/v1/messages" : "/v1/chat/completions")))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        String body;
        if (anthropic) {
            b.header("x-api-key", TestGateway.DEMO_KEY).header("anthropic-version", "2023-06-01");
            body = "{\"model\":\"demo-claude\",\"max_tokens\":16,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        } else {
            b.header("Authorization", "Bearer " + TestGateway.DEMO_KEY);
            body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        }
        try {
            return http.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError("the gateway did not answer", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> awaitStatus(boolean anthropic, int status) {
        List<HttpResponse<String>> seen = new ArrayList<>();
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> {
            HttpResponse<String> r = send(anthropic);
            seen.add(r);
            return r.statusCode() == status;
        });
        return seen.get(seen.size() - 1);
    }

    /** Writes up to {@code bytes} to {@code file}, stopping early when the file system refuses more. */
    private static long fill(Path file, long bytes) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(256 * 1024);
        long written = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (written < bytes) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), bytes - written));
                written += ch.write(chunk);
            }
            ch.force(true);
        }
        return written;
    }

    private static int run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            return -1;
        }
        if (p.exitValue() != 0) {
            System.out.println(String.join(" ", command) + ": " + out.trim());
        }
        return p.exitValue();
    }
}
