package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.sluice.journal.internal.Partitions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JournalReader#follow} on a journal rolling every second, written by several direct producers of which some
 * go quiet across rolls (their last cycle then has no end-of-file marker until they write again): every request that
 * ends after follow started is reported once, also when its end is appended while follow still reads the past.
 */
class FollowAcrossRollsTest {
    private static final int PRODUCERS = 3;

    @TempDir
    Path tmp;

    private Journal journal;
    private final List<ProducerThread> loops = new ArrayList<>();
    private final List<JournalProducer> producers = new ArrayList<>();
    private final long[] nextId = new long[PRODUCERS];
    private final ExecutorService follower = Executors.newSingleThreadExecutor();

    private Path open() throws IOException {
        Path dir = tmp.resolve("journal");
        journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT).rollCycle("TEST_SECONDLY").build());
        for (int p = 0; p < PRODUCERS; p++) {
            loops.add(new ProducerThread("loop-" + p));
            producers.add(journal.newProducer(Runnable::run));
        }
        return dir;
    }

    @AfterEach
    void close() {
        follower.shutdownNow();
        loops.forEach(ProducerThread::close);
        if (journal != null) {
            journal.close();
        }
    }

    @Test
    @Timeout(120)
    void shouldReportEveryRequestEndingAfterFollowStartedWhileItStillReadsThePast() throws Exception {
        Path dir = open();
        // A past long enough that reading it takes a while: the requests below end while follow reads it.
        List<Long> past = new ArrayList<>(appendRequests(0, 150_000));
        past.addAll(appendRequests(1, 500));
        past.addAll(appendRequests(2, 500));

        Set<Long> followed = ConcurrentHashMap.newKeySet();
        AtomicLong duplicates = new AtomicLong();
        AtomicBoolean following = new AtomicBoolean(true);
        CountDownLatch bounded = new CountDownLatch(1);
        Future<?> follow = follower.submit(() -> {
            try (JournalReader reader = JournalReader.open(dir)) {
                reader.follow(0, 0, e -> {
                    if (!followed.add(e.requestId())) {
                        duplicates.incrementAndGet();
                    }
                }, following::get, bounded::countDown);
            }
        });
        assertThat(bounded.await(60, SECONDS)).isTrue();

        // Every producer writes, then only loop-0 across a roll, then loop-0 and loop-2 across another: loop-1's
        // last cycle keeps no end-of-file marker, and loop-2 skips a cycle.
        List<Long> later = new ArrayList<>();
        later.addAll(appendRequests(0, 2_000));
        later.addAll(appendRequests(1, 200));
        later.addAll(appendRequests(2, 200));
        awaitNextSecond();
        later.addAll(appendRequests(0, 200));
        awaitNextSecond();
        later.addAll(appendRequests(0, 200));
        later.addAll(appendRequests(2, 200));

        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(followed)
                .as("requests reported of the %d that ended after follow started", later.size()).hasSize(later.size()));
        } finally {
            following.set(false);
        }
        follow.get(30, SECONDS);
        assertThat(followed).as("requests that ended after follow started").containsExactlyInAnyOrderElementsOf(later);
        assertThat(followed).doesNotContainAnyElementsOf(past);
        assertThat(duplicates.get()).isZero();
        assertThat(cycleFiles(dir.resolve(Partitions.producer(0)))).isGreaterThanOrEqualTo(3);
    }

    @Test
    @Timeout(120)
    void shouldFollowEveryRequestOfTheJournalAcrossRollsWhilePartitionsGoQuiet() throws Exception {
        Path dir = open();
        Set<Long> followed = ConcurrentHashMap.newKeySet();
        AtomicLong duplicates = new AtomicLong();
        AtomicBoolean following = new AtomicBoolean(true);
        Future<?> follow = follower.submit(() -> {
            try (JournalReader reader = JournalReader.open(dir)) {
                reader.follow(Integer.MAX_VALUE, 0, e -> {
                    if (!followed.add(e.requestId())) {
                        duplicates.incrementAndGet();
                    }
                }, following::get);
            }
        });

        // Four cycles: loop-0 writes in each, loop-1 in the first only, loop-2 in every other one.
        List<Long> written = new ArrayList<>();
        for (int cycle = 0; cycle < 4; cycle++) {
            written.addAll(appendRequests(0, 300));
            if (cycle == 0) {
                written.addAll(appendRequests(1, 300));
            }
            if (cycle % 2 == 0) {
                written.addAll(appendRequests(2, 300));
            }
            awaitNextSecond();
        }

        try {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(followed)
                .as("requests reported of the %d written", written.size()).hasSize(written.size()));
        } finally {
            following.set(false);
        }
        follow.get(30, SECONDS);
        assertThat(followed).containsExactlyInAnyOrderElementsOf(written);
        assertThat(duplicates.get()).isZero();
        long busyCycles = cycleFiles(dir.resolve(Partitions.producer(0)));
        assertThat(busyCycles).isGreaterThanOrEqualTo(4);
        assertThat(cycleFiles(dir.resolve(Partitions.producer(1)))).as("loop-1 went quiet").isLessThan(busyCycles);
    }

    /** Appends {@code count} finished requests on producer {@code p}'s own thread; returns their ids. */
    private List<Long> appendRequests(int p, int count) throws Exception {
        long first = nextId[p];
        JournalProducer producer = producers.get(p);
        loops.get(p).call(() -> {
            RequestRecord request = new RequestRecord();
            EndRecord end = new EndRecord();
            for (long i = first; i < first + count; i++) {
                long id = ((p + 1L) << 32) + i;
                long wallMicros = System.currentTimeMillis() * 1000;
                assertThat(producer.append(Records.request(request, id, wallMicros))).isNotNegative();
                assertThat(producer.append(Records.ok(end, id, wallMicros + 1))).isNotNegative();
            }
            return null;
        });
        nextId[p] = first + count;
        return ids(p, first, first + count);
    }

    private static List<Long> ids(int p, long from, long to) {
        List<Long> ids = new ArrayList<>();
        for (long i = from; i < to; i++) {
            ids.add(((p + 1L) << 32) + i);
        }
        return ids;
    }

    /** Waits until the wall clock is in the next second: the journal has rolled for the next append. */
    private static void awaitNextSecond() {
        long second = System.currentTimeMillis() / 1000;
        await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(10))
            .until(() -> System.currentTimeMillis() / 1000 > second);
    }

    private static long cycleFiles(Path partition) throws IOException {
        try (Stream<Path> files = Files.list(partition)) {
            return files.filter(f -> f.toString().endsWith(".cq4")).count();
        }
    }
}
