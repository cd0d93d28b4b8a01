package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.RecordLayout;
import dev.sluice.journal.internal.Utf8Field;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One writer per queue: each producer appends to a partition of its own, and readers merge them by wall time. */
class PartitionedJournalTest {
    private static final Instant START = Instant.parse("2026-11-26T12:00:00Z");
    private static final long T0 = START.toEpochMilli() * 1000;

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void shouldGiveEveryDirectProducerAQueueOfItsOwnAndMergeThemByWallTime() throws Exception {
        Path dir = tmp.resolve("journal");
        int perProducer = 5_000;
        Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .clock(Clock.fixed(START, ZoneOffset.UTC)).build());
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                int producerIndex = p;
                JournalProducer producer = journal.newProducer(Runnable::run);
                done.add(pool.submit(() -> {
                    RequestRecord request = new RequestRecord();
                    EndRecord end = new EndRecord();
                    for (int i = 0; i < perProducer; i++) {
                        // The two producers' times interleave: even microseconds for one, odd for the other.
                        long id = ((producerIndex + 1L) << 32) + i;
                        long wall = T0 + 10 + 4L * i + 2L * producerIndex;
                        assertThat(producer.append(Records.request(request, id, wall))).isNotNegative();
                        assertThat(producer.append(Records.ok(end, id, wall + 1))).isNotNegative();
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, SECONDS);
            }
        } finally {
            pool.shutdownNow();
            journal.close();
        }

        assertThat(Partitions.find(dir)).containsExactly(dir.resolve(Partitions.CONTROL),
            dir.resolve(Partitions.producer(0)), dir.resolve(Partitions.producer(1)));
        // Each partition holds its own producer's records only: no queue had two writers.
        assertThat(requestIdPrefixes(dir.resolve(Partitions.producer(0)))).containsOnly(1L).hasSize(perProducer);
        assertThat(requestIdPrefixes(dir.resolve(Partitions.producer(1)))).containsOnly(2L).hasSize(perProducer);
        assertThat(requestIdPrefixes(dir.resolve(Partitions.CONTROL))).isEmpty();

        List<Long> walls = new ArrayList<>();
        List<String> types = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    walls.add(r.wallTimeMicros());
                    types.add("request");
                }

                @Override
                public void onEnd(EndRecord e) {
                    walls.add(e.wallTimeMicros());
                    types.add("end");
                }

                @Override
                public void onBoot(BootRecord b) {
                    walls.add(b.wallTimeMicros());
                    types.add("boot");
                }
            }, 1000) > 0) {
                // read on
            }
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(walls).hasSize(1 + 4 * perProducer).isSorted();
        assertThat(types.get(0)).isEqualTo("boot");
        assertThat(types.subList(1, 5)).containsExactly("request", "end", "request", "end");
        assertThat(SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE).total().requests())
            .isEqualTo(2L * perProducer);
    }

    @Test
    @Timeout(60)
    void shouldWriteTheHandOffThreadsRecordsToAPartitionOfItsOwn() throws Exception {
        Path dir = tmp.resolve("journal");
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.HANDOFF)
            .clock(Clock.fixed(START, ZoneOffset.UTC)).build());
             ProducerThread loop = new ProducerThread("loop-h")) {
            JournalProducer producer = journal.newProducer(loop.executor);
            long last = loop.call(() -> {
                producer.append(Records.request(new RequestRecord(), 7, T0 + 1));
                return producer.append(Records.ok(new EndRecord(), 7, T0 + 2));
            });
            org.awaitility.Awaitility.await().atMost(30, SECONDS).until(() -> producer.isDurable(last));
        }
        assertThat(Partitions.find(dir)).containsExactly(dir.resolve(Partitions.CONTROL),
            dir.resolve(Partitions.HANDOFF));
        assertThat(requestIdPrefixes(dir.resolve(Partitions.HANDOFF))).containsExactly(0L);
        try (JournalReader reader = JournalReader.open(dir)) {
            assertThat(reader.last(10, Long.MIN_VALUE)).extracting(JournalEntry::requestId, JournalEntry::outcome)
                .containsExactly(tuple(7L, "ok"));
        }
    }

    @Test
    @Timeout(60)
    void shouldReadAndRecoverAJournalWrittenBeforePartitions() throws Exception {
        Path dir = tmp.resolve("journal");
        // The layout before partitions: one queue in the journal directory itself, as a gateway left it when killed.
        Files.createDirectories(dir);
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(dir.toFile()).build()) {
            ChronicleWrites writes = new ChronicleWrites(queue, Chain.recover(queue, null, Clock.systemUTC()));
            UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
            writes.append(buffer.byteArray(), 0, new BootRecord(T0, 4242, "old").encode(buffer, 0, new Utf8Field()));
            writes.append(buffer.byteArray(), 0, Records.request(new RequestRecord(), 1, T0 + 1).encode(buffer, 0));
            writes.append(buffer.byteArray(), 0, Records.ok(new EndRecord(), 1, T0 + 2).encode(buffer, 0));
            writes.append(buffer.byteArray(), 0, Records.request(new RequestRecord(), 2, T0 + 3).encode(buffer, 0));
            writes.close();
        }
        assertThat(JournalReader.isJournal(dir)).isTrue();

        Instant restart = START.plusSeconds(60);
        long restartMicros = restart.toEpochMilli() * 1000;
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .clock(Clock.fixed(restart, ZoneOffset.UTC)).build())) {
            assertThat(journal.recoveredInterrupted()).isEqualTo(1);
            JournalProducer producer = journal.newProducer(Runnable::run);
            producer.append(Records.request(new RequestRecord(), 3, restartMicros + 1));
            producer.append(Records.ok(new EndRecord(), 3, restartMicros + 2));
        }

        assertThat(Partitions.find(dir)).containsExactly(dir, dir.resolve(Partitions.CONTROL),
            dir.resolve(Partitions.producer(0)));
        try (JournalReader reader = JournalReader.open(dir)) {
            List<JournalEntry> entries = reader.last(10, Long.MIN_VALUE);
            assertThat(entries).extracting(JournalEntry::requestId, JournalEntry::outcome)
                .containsExactly(tuple(1L, "ok"), tuple(2L, "interrupted"), tuple(3L, "ok"));
            assertThat(entries.get(1).end()).isNotNull();
            assertThat(entries.get(1).end().wallTimeMicros()).isEqualTo(restartMicros);
        }
        assertThat(SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE).total().requests()).isEqualTo(3);

        // Nothing is recovered twice: the interrupted end sits in the control partition, the request in the old queue.
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .clock(Clock.fixed(restart.plusSeconds(60), ZoneOffset.UTC)).build())) {
            assertThat(journal.recoveredInterrupted()).isZero();
        }
    }

    /** The request ids of one queue's request records, shifted right by 32 bits (the producer prefix). */
    private static List<Long> requestIdPrefixes(Path queueDir) {
        List<Long> prefixes = new ArrayList<>();
        try (SingleChronicleQueue queue = Partitions.openForReading(queueDir);
             ExcerptTailer tailer = queue.createTailer()) {
            byte[] bytes = new byte[8192];
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return prefixes;
                    }
                    int length = (int) dc.wire().bytes().readRemaining();
                    dc.wire().bytes().read(bytes, 0, length);
                    UnsafeBuffer record = new UnsafeBuffer(bytes, 0, length);
                    if (record.getByte(1) == RecordLayout.TYPE_REQUEST) {
                        prefixes.add(record.getLong(RequestRecord.REQUEST_ID_OFFSET, RecordLayout.ORDER) >>> 32);
                    }
                }
            }
        }
    }
}
