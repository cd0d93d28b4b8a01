package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.journal.internal.CycleFiles;
import dev.sluice.journal.internal.Partitions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class JournalTest {
    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private Journal open(int ringBytes) throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(tmp.resolve("journal")).ringCapacityBytes(ringBytes)
            .version("test-1").build());
        cleanup.add(journal);
        return journal;
    }

    private ProducerThread thread(String name) {
        ProducerThread t = new ProducerThread(name);
        cleanup.add(t);
        return t;
    }

    @Test
    @Timeout(60)
    void shouldAppendFromTwoProducersConcurrentlyAndReadBackInOrderPerProducer() throws Exception {
        Journal journal = open(JournalSettings.DEFAULT_RING_CAPACITY_BYTES);
        int perProducer = 20_000;
        List<ProducerThread> threads = List.of(thread("loop-1"), thread("loop-2"));
        List<java.util.concurrent.Future<Long>> done = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            long base = (p + 1L) << 32;
            JournalProducer producer = journal.newProducer(threads.get(p).executor);
            done.add(threads.get(p).executor.submit(() -> {
                RequestRecord request = new RequestRecord();
                EndRecord end = new EndRecord();
                long last = 0;
                for (int i = 0; i < perProducer; i++) {
                    long id = base + i;
                    long position;
                    while ((position = producer.append(Records.request(request, id, 1_000 + i))) == JournalProducer.FULL) {
                        Thread.onSpinWait();
                    }
                    while ((position = producer.append(Records.ok(end, id, 2_000 + i))) == JournalProducer.FULL) {
                        Thread.onSpinWait();
                    }
                    last = position;
                }
                long lastPosition = last;
                await().atMost(30, SECONDS).until(() -> producer.isDurable(lastPosition));
                return producer.appendedRecords();
            }));
        }
        for (java.util.concurrent.Future<Long> f : done) {
            assertThat(f.get(60, SECONDS)).isEqualTo(2L * perProducer);
        }
        assertThat(journal.appendedRecords()).isEqualTo(4L * perProducer);
        journal.close();

        List<Long> requests1 = new ArrayList<>();
        List<Long> requests2 = new ArrayList<>();
        List<EndRecord> ends = new ArrayList<>();
        List<BootRecord> boots = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(tmp.resolve("journal"))) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    (r.requestId() >>> 32 == 1 ? requests1 : requests2).add(r.requestId());
                    assertThat(r.requestedModel()).isEqualTo("gpt-4o-mini");
                    assertThat(r.team()).isEqualTo("team-a");
                }

                @Override
                public void onEnd(EndRecord e) {
                    ends.add(e);
                }

                @Override
                public void onBoot(BootRecord b) {
                    boots.add(b);
                }
            }, 1000) > 0) {
                // keep reading
            }
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(boots).singleElement().satisfies(b -> {
            assertThat(b.pid()).isEqualTo(ProcessHandle.current().pid());
            assertThat(b.version()).isEqualTo("test-1");
        });
        assertThat(requests1).hasSize(perProducer).isSorted();
        assertThat(requests2).hasSize(perProducer).isSorted();
        assertThat(requests1.get(0)).isEqualTo(1L << 32);
        assertThat(ends).hasSize(2 * perProducer);
        EndRecord sample = ends.get(0);
        assertThat(sample.status()).isEqualTo(200);
        assertThat(sample.outcome()).isEqualTo(Outcome.OK);
        assertThat(sample.servedModel()).isEqualTo("gpt-4o-mini-2024-07-18");
        assertThat(sample.costMicros()).isEqualTo(1_234);
        assertThat(sample.ttftMicros()).isEqualTo(120_500);
    }

    @Test
    @Timeout(60)
    void shouldKeepTheRollCycleAJournalWasCreatedWith() throws Exception {
        Path dir = tmp.resolve("journal");
        for (String configured : new String[] {"TEST_SECONDLY", "DAILY"}) {
            long base = configured.equals("DAILY") ? 100 : 0;
            try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
                    .rollCycle(configured).build());
                 ProducerThread loop = new ProducerThread("loop-r")) {
                JournalProducer producer = journal.newProducer(loop.executor);
                loop.executor.submit(() -> {
                    RequestRecord request = new RequestRecord();
                    EndRecord end = new EndRecord();
                    for (long id = base + 1; id <= base + 10; id++) {
                        producer.append(Records.request(request, id, 1_000 + id));
                        producer.append(Records.ok(end, id, 2_000 + id));
                    }
                }).get(30, SECONDS);
            }
        }
        // Reopened with DAILY, the journal went on rolling every second, in every partition.
        List<Path> partitions;
        try (var list = Files.list(dir)) {
            partitions = list.filter(Files::isDirectory).toList();
        }
        assertThat(partitions).isNotEmpty();
        for (Path partition : partitions) {
            try (var queue = Partitions.openForReading(partition)) {
                assertThat(CycleFiles.lengthMs(queue.rollCycle())).as("%s", partition)
                    .isEqualTo(1_000);
            }
        }
        List<Long> requests = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    requests.add(r.requestId());
                }
            }, 1000) > 0) {
                // keep reading
            }
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(requests).hasSize(20).contains(1L, 10L, 101L, 110L);
    }

    @Test
    @Timeout(30)
    void shouldRunWhenDurableTasksOnTheProducerExecutorOnceDurable() throws Exception {
        Journal journal = open(JournalSettings.DEFAULT_RING_CAPACITY_BYTES);
        ProducerThread loop = thread("loop-w");
        JournalProducer producer = journal.newProducer(loop.executor);
        List<String> ranOn = new CopyOnWriteArrayList<>();
        journal.pauseDrainForTest(true);
        long position = loop.call(() -> producer.append(Records.request(new RequestRecord(), 7, 1)));
        assertThat(position).isPositive();
        boolean immediate = loop.call(() -> producer.whenDurable(position, () -> ranOn.add(Thread.currentThread().getName())));
        assertThat(immediate).isFalse();
        assertThat(producer.isDurable(position)).isFalse();
        assertThat(loop.call(producer::pendingWaiters)).isEqualTo(1);

        journal.pauseDrainForTest(false);
        await().atMost(10, SECONDS).until(() -> ranOn.size() == 1);
        assertThat(ranOn).containsExactly("loop-w");
        assertThat(producer.isDurable(position)).isTrue();
        assertThat(loop.call(producer::pendingWaiters)).isZero();

        // Already durable: true, and the task is not run.
        boolean again = loop.call(() -> producer.whenDurable(position, () -> ranOn.add("again")));
        assertThat(again).isTrue();
        loop.call(() -> null);
        assertThat(ranOn).containsExactly("loop-w");
    }

    @Test
    @Timeout(30)
    void shouldRefuseWithFullWhenTheRingIsFullAndAcceptAgainAfterDrain() throws Exception {
        Journal journal = open(JournalSettings.MIN_RING_CAPACITY_BYTES);
        ProducerThread loop = thread("loop-f");
        JournalProducer producer = journal.newProducer(loop.executor);
        journal.pauseDrainForTest(true);
        RequestRecord request = new RequestRecord();
        long[] result = loop.call(() -> {
            long accepted = 0;
            long last = 0;
            long position;
            while ((position = producer.append(Records.request(request, accepted + 1, 1))) != JournalProducer.FULL) {
                accepted++;
                last = position;
            }
            return new long[] {accepted, last};
        });
        long accepted = result[0];
        long lastPosition = result[1];
        int recordBytes = request.encodedLength();
        // Every accepted record took its aligned slot (8-byte header + body); the ring is nearly exhausted.
        assertThat(accepted).isGreaterThan(0);
        assertThat(accepted * org.agrona.BitUtil.align(recordBytes + 8, 8))
            .isLessThanOrEqualTo(JournalSettings.MIN_RING_CAPACITY_BYTES)
            .isGreaterThan(JournalSettings.MIN_RING_CAPACITY_BYTES - 2L * recordBytes - 16);
        assertThat(producer.fullRejections()).isEqualTo(1);
        assertThat(producer.isDurable(lastPosition)).isFalse();

        journal.pauseDrainForTest(false);
        await().atMost(10, SECONDS).until(() -> producer.isDurable(lastPosition));
        long next = loop.call(() -> producer.append(Records.request(request, 999_999, 2)));
        assertThat(next).isGreaterThan(lastPosition);
        await().atMost(10, SECONDS).until(() -> producer.isDurable(next));
        assertThat(journal.appendedRecords()).isEqualTo(accepted + 1);
    }

    @Test
    @Timeout(30)
    void shouldRefuseAppendsAfterCloseAndUseFromASecondThread() throws Exception {
        Journal journal = open(JournalSettings.DEFAULT_RING_CAPACITY_BYTES);
        ProducerThread loop = thread("loop-c");
        JournalProducer producer = journal.newProducer(loop.executor);
        long position = loop.call(() -> producer.append(Records.request(new RequestRecord(), 1, 1)));
        assertThat(position).isPositive();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                producer.append(Records.request(new RequestRecord(), 2, 1));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        other.start();
        other.join();
        assertThat(failure.get()).isInstanceOf(IllegalStateException.class).hasMessageContaining("loop-c");

        journal.close();
        assertThat(producer.isDurable(position)).isTrue();
        assertThat(loop.call(() -> producer.append(Records.request(new RequestRecord(), 3, 1))))
            .isEqualTo(JournalProducer.FULL);
        assertThatThrownBy(() -> journal.newProducer(Runnable::run)).isInstanceOf(IllegalStateException.class);
        journal.close();
    }

    @Test
    @Timeout(30)
    void shouldRefuseASecondOpenOfTheSameDirectoryAndWriteThenDeleteThePidFile() throws Exception {
        Journal journal = open(JournalSettings.DEFAULT_RING_CAPACITY_BYTES);
        Path pidFile = tmp.resolve("journal").resolve("gateway.pid");
        assertThat(java.nio.file.Files.readString(pidFile)).startsWith(ProcessHandle.current().pid() + " ");
        assertThatThrownBy(() -> Journal.open(JournalSettings.builder(tmp.resolve("journal")).build()))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("already open");
        journal.close();
        assertThat(pidFile).doesNotExist();
        try (Journal again = Journal.open(JournalSettings.builder(tmp.resolve("journal")).build())) {
            assertThat(again.recoveredInterrupted()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void shouldNotAllocateWhenAppendingAndCheckingDurability() throws Exception {
        Journal journal = open(JournalSettings.DEFAULT_RING_CAPACITY_BYTES);
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).contains("sluice-journal");
        ProducerThread loop = thread("loop-a");
        JournalProducer producer = journal.newProducer(loop.executor);
        byte[] model = "gpt-4o-mini".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        RequestRecord request = new RequestRecord().keyId("key_1").user("ann").team("team-a").project("atlas")
            .useCase("support").endpoint((byte) 1).stream(true).clientAddress("127.0.0.1");
        EndRecord end = new EndRecord().status(200).outcome(Outcome.OK).provider("openai").deployment("east")
            .ttftMicros(1).totalMicros(2).tokensIn(3).tokensOut(4).tokensCached(0).costMicros(5);
        Runnable noop = () -> { };
        java.util.concurrent.Callable<Long> burst = () -> {
            long last = 0;
            for (int i = 0; i < 2_000; i++) {
                request.requestId(i).wallTimeMicros(i).requestedModel(model, 0, model.length);
                long p = producer.append(request);
                end.requestId(i).wallTimeMicros(i).servedModel(model, 0, model.length);
                long q = producer.append(end);
                if (p == JournalProducer.FULL || q == JournalProducer.FULL) {
                    throw new AssertionError("ring full");
                }
                producer.isDurable(q);
                last = q;
            }
            return last;
        };
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long allocated = loop.call(() -> {
            for (int warm = 0; warm < 20; warm++) {
                long last = burst.call();
                await().atMost(10, SECONDS).until(() -> producer.isDurable(last));
            }
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            long last = burst.call();
            long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            // Already durable or not, registering a waiter allocates nothing either (the task is ours).
            producer.whenDurable(last, noop);
            return after - before;
        });
        assertThat(allocated).as("bytes allocated by 4,000 appends").isLessThan(256);
    }
}
