package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;

import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A short soak with the journal rolling every second (RELIABILITY.md B5; the catalogue's hours-long soak is the
 * same run, longer): steady JSON and stream load while a tailer follows the journal across every roll. Records
 * written, records the tailer read and requests the clients completed must match exactly; heap live after GC,
 * direct memory, file descriptors and threads are sampled and printed (their flatness is read, not asserted).
 */
class SoakSystemTest {
    /** How long the soak runs: {@code -Dsluice.b5.soak.s} (the JDK 25 pass of .ci/run runs it shorter). */
    private static final long SOAK_MS = 1000L * Integer.getInteger("sluice.b5.soak.s", 30);
    private static final int CLIENTS = 4;
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    @Timeout(180)
    void shouldMatchRecordsWrittenReadAndCompletedAcrossRollsWithFlatResources() throws Exception {
        String shipped = Files.readString(TestGateway.defaultConfig());
        assertThat(shipped).contains("\n  roll_cycle: DAILY ");
        gw = TestGateway.startWith(shipped.replace("\n  roll_cycle: DAILY ", "\n  roll_cycle: TEST_SECONDLY "));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicBoolean clientsDone = new AtomicBoolean();
        AtomicLong completed = new AtomicLong();
        AtomicLong followed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
        List<long[]> samples = new ArrayList<>();
        try {
            Path journalDir = gw.gateway().journalDir();
            Future<?> tailer = pool.submit(() -> {
                try (JournalReader r = JournalReader.open(journalDir)) {
                    // Every request of the journal, then each further one: the clients may complete requests before
                    // follow starts (a busy machine), and those are its past, not reported by a follow of the last 0.
                    // The END goes in after the response went out, so while requests are in flight the count of
                    // ends followed may even pass the count of completed ones: stop only once no client sends.
                    r.follow(Integer.MAX_VALUE, 0, e -> followed.incrementAndGet(),
                            () -> !clientsDone.get() || followed.get() < completed.get());
                }
            });
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                boolean stream = c % 2 == 0;
                clients.add(pool.submit(() -> {
                    while (running.get()) {
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                                URI.create(gw.baseUrl() + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":" + stream
                                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"soak [[mock tokens=8]]\"}]}"))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            completed.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            long endNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SOAK_MS);
            while (System.nanoTime() < endNs) {
                Thread.sleep(5_000);
                samples.add(sample());
            }
            running.set(false);
            for (Future<?> f : clients) {
                f.get(60, TimeUnit.SECONDS);
            }
            clientsDone.set(true);
            tailer.get(60, TimeUnit.SECONDS);
            List<JournalEntry> entries;
            try (JournalReader r = JournalReader.open(journalDir)) {
                entries = r.last(Integer.MAX_VALUE, 0);
                assertThat(r.undecodableRecords()).isZero();
            }
            long finishedOk = entries.stream().filter(e -> e.isFinished() && e.outcome().equals("ok")).count();
            List<Path> cycles;
            try (Stream<Path> files = Files.walk(journalDir)) {
                cycles = files.filter(p -> p.toString().endsWith(".cq4")).toList();
            }
            long cycleFiles = cycles.size();
            assertThat(failed.get()).isZero();
            assertThat(finishedOk).as("requests in the journal").isEqualTo(completed.get());
            assertThat(entries).hasSize((int) completed.get());
            assertThat(followed.get()).as("requests the tailer followed across the rolls").isEqualTo(completed.get());
            assertThat(cycleFiles).as("cycle files: the journal rolled: %s, config %s", cycles,
                    gw.gateway().config().journal().rollCycle()).isGreaterThan(10);
            StringBuilder flat = new StringBuilder();
            for (long[] s : samples) {
                flat.append(String.format(" [heap %d MB, direct %d MB, fds %d, threads %d]", s[0] >> 20, s[1] >> 20,
                        s[2], s[3]));
            }
            System.out.println("B5 soak: " + SOAK_MS / 1000 + " s, journal rolling every second (" + cycleFiles
                    + " cycle files): requests completed " + completed.get() + " = requests in the journal "
                    + finishedOk + " = requests the tailer followed " + followed.get() + "; every 5 s:" + flat);
        } finally {
            running.set(false);
            pool.shutdownNow();
        }
    }

    /** Heap in use after a full collection, direct memory, open file descriptors and threads of this JVM. */
    private long[] sample() throws Exception {
        long fds;
        try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
            fds = open.count();
        }
        // A full collection first: heap in use after it is what is live, where the last young collection's reading
        // would also count what it promoted and has died since.
        System.gc();
        return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
            gw.gateway().load().directUsedBytes(), fds, ManagementFactory.getThreadMXBean().getThreadCount()};
    }
}
