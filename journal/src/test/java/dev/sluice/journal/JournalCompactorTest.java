package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import dev.sluice.journal.JournalCompactor.CompactReport;
import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.ChainLayout;
import dev.sluice.journal.internal.CompactionLock;
import dev.sluice.journal.internal.CycleFiles;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;
import net.openhft.chronicle.queue.rollcycles.TestRollCycles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline compaction: response parts folded into one record per request, old bodies dropped, cycles re-chained and
 * re-signed so the journal still verifies, every answer read back the same; a second run changes nothing; a journal
 * still being written is compacted without touching its current cycle.
 */
class JournalCompactorTest {
    private static final int PARTS = 3;
    private static final long DAY_MICROS = 86_400_000_000L;

    @TempDir
    Path tmp;

    private Path journalDir;
    private Path keyFile;

    private JournalSettings settings() {
        journalDir = tmp.resolve("data/journal");
        keyFile = tmp.resolve("data/journal-signing.key");
        return JournalSettings.builder(journalDir).mode(JournalMode.DIRECT).rollCycle("TEST_SECONDLY")
            .signingKeyFile(keyFile).build();
    }

    private VerifyReport verify() throws IOException {
        return new JournalVerifier(JournalSigner.load(keyFile)).verify(List.of(journalDir));
    }

    private CompactReport compact(Duration bodiesOlderThan) throws IOException {
        return new JournalCompactor(JournalSigner.load(keyFile), Clock.systemUTC(), bodiesOlderThan, null)
            .compact(journalDir);
    }

    private static void awaitNextSecond() {
        long second = System.currentTimeMillis() / 1000;
        await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
    }

    @Test
    @Timeout(120)
    void shouldFoldPartsDropOldBodiesAndStillVerify() throws Exception {
        int perBatch = 40;
        int batches = 4;
        long nowMicros = System.currentTimeMillis() * 1000;
        try (Journal journal = Journal.open(settings())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            PartWorkload workload = new PartWorkload();
            for (int b = 0; b < batches; b++) {
                // Each batch in a cycle of its own; the first one 40 days old, past the body retention.
                awaitNextSecond();
                long wall = b == 0 ? nowMicros - 40 * DAY_MICROS : nowMicros;
                workload.write(producer, 1 + (long) b * perBatch, perBatch, PARTS, wall);
            }
        }
        assertThat(verify().broken()).as(verify().summary()).isFalse();
        Answers before = Answers.read(journalDir);
        Map<Long, RequestHistory> historiesBefore = new java.util.HashMap<>();
        for (long id = 1; id <= (long) batches * perBatch; id++) {
            historiesBefore.put(id, RequestHistory.find(List.of(journalDir), id));
        }
        assertThat(before.answers).hasSize(batches * perBatch);
        Path loop = journalDir.resolve(Partitions.producer(0));
        Map<Integer, long[]> partsBefore = CompactionFiles.partsPerCycle(loop);
        long expectedFolded = 0;
        int latest = CycleFiles.list(loop, TestRollCycles.TEST_SECONDLY).lastKey();
        for (Map.Entry<Integer, long[]> e : partsBefore.entrySet()) {
            if (e.getKey() != latest) {
                expectedFolded += e.getValue()[0] - e.getValue()[1];
            }
        }
        assertThat(expectedFolded).isPositive();

        CompactReport report = compact(Duration.ofDays(30));

        VerifyReport verified = verify();
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        assertThat(report.partsFolded()).isEqualTo(expectedFolded);
        assertThat(report.cyclesRewritten()).isPositive();
        Answers after = Answers.read(journalDir);
        assertThat(before.partRecords - after.partRecords).isEqualTo(expectedFolded);
        for (long id = 1; id <= (long) batches * perBatch; id++) {
            if (id <= perBatch) {
                assertThat(after.droppedRequestBodies).contains(id);
                assertThat(after.droppedAnswers).contains(id);
                assertThat(after.answers).doesNotContainKey(id);
            } else {
                assertThat(after.requestBodies.get(id)).isEqualTo(PartWorkload.requestBody(id));
                assertThat(after.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
                assertThat(before.answers.get(id)).isEqualTo(after.answers.get(id));
            }
        }
        // As the show command reads them: the same bytes, or for old requests, bodies reported dropped.
        for (long id = 1; id <= (long) batches * perBatch; id++) {
            RequestHistory was = historiesBefore.get(id);
            RequestHistory is = RequestHistory.find(List.of(journalDir), id);
            assertThat(was.answer()).isEqualTo(PartWorkload.answer(id, PARTS));
            if (id <= perBatch) {
                assertThat(is.requestBodyDigestOnly()).isTrue();
                assertThat(is.requestBody()).isNull();
                assertThat(is.answer()).isEmpty();
            } else {
                assertThat(is.requestBodyDigestOnly()).isFalse();
                assertThat(is.requestBody()).isEqualTo(was.requestBody());
                assertThat(is.answer()).as("request %d", id).isEqualTo(was.answer());
                assertThat(is.parts()).isLessThanOrEqualTo(was.parts());
            }
            assertThat(is.entry().outcome()).isEqualTo(was.entry().outcome());
        }
        // The request and the folded answer of each old request: both dropped, both digests verified.
        assertThat(report.bodiesDropped()).isEqualTo(2L * perBatch);
        assertThat(verified.droppedBodies()).isEqualTo(2L * perBatch);
        Map<Integer, long[]> partsAfter = CompactionFiles.partsPerCycle(loop);
        for (Map.Entry<Integer, long[]> e : partsAfter.entrySet()) {
            boolean rewritten = e.getValue()[2] == 1;
            assertThat(rewritten).as("cycle %d rewritten", e.getKey()).isEqualTo(e.getKey() != latest);
            if (rewritten) {
                assertThat(e.getValue()[0]).as("one part record per request").isEqualTo(e.getValue()[1]);
            }
        }

        for (Path file : CompactionFiles.digests(journalDir).keySet()) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .as("%s", file).isEqualTo("rw-------");
        }

        // A second run finds every cycle compacted and changes no byte.
        Map<Path, String> files = CompactionFiles.digests(journalDir);
        CompactReport again = compact(Duration.ofDays(30));
        assertThat(again.cyclesRewritten()).as(again.summary()).isZero();
        assertThat(again.partsFolded()).isZero();
        assertThat(again.bodiesDropped()).isZero();
        assertThat(again.bodiesCompressed()).isZero();
        assertThat(CompactionFiles.digests(journalDir)).isEqualTo(files);
        assertThat(journalDir.resolve(CompactionLock.WORK_DIR)).doesNotExist();
    }

    @Test
    @Timeout(300)
    void shouldStoreKeptBodiesDeflatedReadThemBackAsWrittenAndDetectAChangeInThem() throws Exception {
        int perBatch = 30;
        int batches = 3;
        try (Journal journal = Journal.open(settings())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            PartWorkload workload = new PartWorkload();
            for (int b = 0; b < batches; b++) {
                awaitNextSecond();
                workload.write(producer, 1 + (long) b * perBatch, perBatch, PARTS, System.currentTimeMillis() * 1000);
            }
        }
        Path loop = journalDir.resolve(Partitions.producer(0));
        long bytesBefore = CycleFiles.list(loop, TestRollCycles.TEST_SECONDLY).values().stream()
            .mapToLong(f -> f.toFile().length()).sum();

        CompactReport report = compact(null);

        VerifyReport verified = verify();
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        assertThat(report.bodiesCompressed()).as(report.summary()).isPositive();
        assertThat(verified.deflatedBodies()).isEqualTo(report.bodiesCompressed());
        assertThat(report.bytesAfter()).isLessThan(report.bytesBefore());
        System.out.printf("compaction with compression: %s (closed cycles; all cycles %d bytes before)%n",
            report.summary(), bytesBefore);
        // Every reader sees the bodies as they were written.
        Answers after = Answers.read(journalDir);
        for (long id = 1; id <= (long) batches * perBatch; id++) {
            assertThat(after.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
            assertThat(after.requestBodies.get(id)).isEqualTo(PartWorkload.requestBody(id));
            assertThat(RequestHistory.find(List.of(journalDir), id).answer()).isEqualTo(PartWorkload.answer(id, PARTS));
        }

        // One flipped bit anywhere in a deflated body is a break, named as such or as a hash that does not match.
        List<long[]> spans = deflatedBodySpans(loop);
        assertThat(spans).hasSize((int) report.bodiesCompressed());
        java.util.Random random = new java.util.Random(20261204L);
        Map<String, Integer> problems = new java.util.TreeMap<>();
        int flips = 200;
        for (int i = 0; i < flips; i++) {
            long[] span = spans.get(random.nextInt(spans.size()));
            long position = span[1] + (long) (random.nextDouble() * span[2]);
            byte mask = (byte) (1 << random.nextInt(8));
            Path file = CycleFiles.list(loop, TestRollCycles.TEST_SECONDLY).get((int) span[0]);
            flip(file, position, mask);
            try {
                VerifyReport report2 = verify();
                assertThat(report2.broken()).as("flip at %s@%d", file.getFileName(), position).isTrue();
                problems.merge(report2.problem(), 1, Integer::sum);
            } finally {
                flip(file, position, mask);
            }
        }
        System.out.printf("%d single-bit changes in %d deflated bodies: %d detected %s%n", flips, spans.size(),
            problems.values().stream().mapToInt(Integer::intValue).sum(), problems);
        assertThat(verify().broken()).isFalse();

        // A second run finds nothing left to compress and changes no byte.
        Map<Path, String> files = CompactionFiles.digests(journalDir);
        CompactReport again = compact(null);
        assertThat(again.cyclesRewritten()).as(again.summary()).isZero();
        assertThat(again.bodiesCompressed()).isZero();
        assertThat(CompactionFiles.digests(journalDir)).isEqualTo(files);
    }

    /** Where each deflated body of a partition lies: {cycle, offset in its file, stored length}. */
    private static List<long[]> deflatedBodySpans(Path partition) {
        List<long[]> spans = new ArrayList<>();
        try (net.openhft.chronicle.queue.impl.single.SingleChronicleQueue queue = Partitions.openForReading(partition);
             net.openhft.chronicle.queue.ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (net.openhft.chronicle.wire.DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return spans;
                    }
                    net.openhft.chronicle.bytes.Bytes<?> bytes = dc.wire().bytes();
                    long start = bytes.readPosition();
                    byte[] doc = new byte[(int) bytes.readRemaining()];
                    bytes.read(doc);
                    org.agrona.concurrent.UnsafeBuffer view = new org.agrona.concurrent.UnsafeBuffer(doc);
                    int metaLength = ChainLayout.metaLength(view);
                    if (metaLength > 0 && ChainLayout.bodyForm(view) == ChainLayout.BODY_DEFLATED) {
                        spans.add(new long[] {queue.rollCycle().toCycle(dc.index()), start + metaLength,
                            ChainLayout.storedLength(view, metaLength)});
                    }
                }
            }
        }
    }

    private static void flip(Path file, long position, byte mask) throws IOException {
        try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ mask);
        }
    }

    @Test
    @Timeout(120)
    void shouldCompactAJournalBeingWrittenWithoutTouchingItsCurrentCycle() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerError = new AtomicReference<>();
        AtomicLong written = new AtomicLong();
        Path loop;
        int currentAtStart;
        CompactReport report;
        try (Journal journal = Journal.open(settings());
             ProducerThread thread = new ProducerThread("loop-0")) {
            JournalProducer producer = journal.newProducer(thread.executor);
            thread.executor.execute(() -> {
                PartWorkload workload = new PartWorkload();
                try {
                    long id = 1;
                    while (!stop.get()) {
                        workload.write(producer, id, 10, PARTS, System.currentTimeMillis() * 1000);
                        id += 10;
                        written.set(id - 1);
                        java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                    }
                } catch (Throwable t) {
                    writerError.set(t);
                }
            });
            loop = journalDir.resolve(Partitions.producer(0));
            await().atMost(Duration.ofSeconds(30))
                .until(() -> Files.isDirectory(loop) && CycleFiles.list(loop, TestRollCycles.TEST_SECONDLY).size() >= 4);
            currentAtStart = CycleFiles.list(loop, TestRollCycles.TEST_SECONDLY).lastKey();
            report = compact(null);
            long writtenAfterCompaction = written.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > writtenAfterCompaction + 100);
            stop.set(true);
            await().atMost(Duration.ofSeconds(30)).until(() -> thread.executor.submit(() -> { }).isDone());
        }
        assertThat(writerError.get()).isNull();
        assertThat(report.cyclesRewritten()).as(report.summary()).isPositive();
        VerifyReport verified = verify();
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        java.util.NavigableMap<Integer, long[]> perCycle = CompactionFiles.partsPerCycle(loop);
        assertThat(perCycle.get(currentAtStart)[2]).as("the cycle being written was not rewritten").isZero();
        assertThat(perCycle.headMap(currentAtStart).values()).anyMatch(c -> c[2] == 1);
        Answers after = Answers.read(journalDir);
        long total = written.get();
        assertThat(after.answers).hasSizeGreaterThanOrEqualTo((int) total);
        for (long id = 1; id <= total; id++) {
            assertThat(after.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
            assertThat(after.requestBodies.get(id)).isEqualTo(PartWorkload.requestBody(id));
        }
    }

    @Test
    @Timeout(120)
    void shouldRemoveCyclesPastTheRecordRetentionAndRecordEachRemoval() throws Exception {
        int perBatch = 20;
        int batches = 4;
        long keptFromMs = 0;
        try (Journal journal = Journal.open(settings())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            PartWorkload workload = new PartWorkload();
            for (int b = 0; b < batches; b++) {
                awaitNextSecond();
                if (b == 2) {
                    keptFromMs = System.currentTimeMillis() / 1000 * 1000;
                }
                workload.write(producer, 1 + (long) b * perBatch, perBatch, PARTS, System.currentTimeMillis() * 1000);
            }
        }
        // Seen 400 days after the third batch's cycle began: the cycles that ended before it are past retention.
        Clock later = Clock.fixed(java.time.Instant.ofEpochMilli(keptFromMs).plus(Duration.ofDays(400)),
            java.time.ZoneOffset.UTC);
        CompactReport report = new JournalCompactor(JournalSigner.load(keyFile), later, null, Duration.ofDays(400),
            null).compact(journalDir);

        assertThat(report.cyclesRemoved()).as(report.summary()).isGreaterThanOrEqualTo(2);
        VerifyReport verified = verify();
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        Answers after = Answers.read(journalDir);
        for (long id = 1; id <= (long) batches * perBatch; id++) {
            if (id <= 2L * perBatch) {
                assertThat(after.answers).doesNotContainKey(id);
                assertThat(RequestHistory.find(List.of(journalDir), id)).isNull();
            } else {
                assertThat(after.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
            }
        }
        List<AdminRecord> removals = new ArrayList<>();
        RecordDecoder decoder = new RecordDecoder();
        try (dev.sluice.journal.internal.MergedTailer tailer = dev.sluice.journal.internal.MergedTailer.open(
            journalDir.resolve(CycleRemovals.PARTITION))) {
            while (tailer.next()) {
                if (decoder.load(tailer.record()) == dev.sluice.journal.internal.RecordLayout.TYPE_ADMIN) {
                    removals.add(decoder.admin());
                }
            }
        }
        assertThat(removals).hasSize((int) report.cyclesRemoved());
        assertThat(removals).allSatisfy(r -> {
            assertThat(r.action()).isEqualTo(CycleRemovals.ACTION);
            assertThat(r.target()).endsWith(".cq4");
            assertThat(r.detail()).contains("records=").contains("head_before=").contains("head_after=");
        });
        assertThat(removals).anySatisfy(r -> assertThat(r.target()).startsWith(Partitions.producer(0) + "/"));

        Map<Path, String> files = CompactionFiles.digests(journalDir);
        CompactReport again = new JournalCompactor(JournalSigner.load(keyFile), later, null, Duration.ofDays(400),
            null).compact(journalDir);
        assertThat(again.cyclesRemoved() + again.cyclesRewritten()).as(again.summary()).isZero();
        assertThat(CompactionFiles.digests(journalDir)).isEqualTo(files);
    }

    @Test
    void shouldRefuseWithoutThePrivateKey() throws Exception {
        try (Journal journal = Journal.open(settings())) {
            new PartWorkload().write(journal.newProducer(Runnable::run), 1, 1, 1, 1);
        }
        JournalSigner publicOnly = JournalSigner.load(keyFile.resolveSibling(keyFile.getFileName() + ".pub"));
        assertThatThrownBy(() -> new JournalCompactor(publicOnly, Clock.systemUTC(), null, null))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("private key");
    }

    @Test
    void shouldLetOneCompactorAtATimeHoldAJournal() throws Exception {
        try (Journal journal = Journal.open(settings())) {
            new PartWorkload().write(journal.newProducer(Runnable::run), 1, 1, 1, 1);
        }
        CompactionLock held = CompactionLock.acquire(journalDir);
        try {
            assertThatThrownBy(() -> compact(null)).isInstanceOf(IOException.class)
                .hasMessageContaining("one compactor at a time");
        } finally {
            held.close();
        }
        assertThat(compact(null).summary()).startsWith("compacted: ");
    }
}
