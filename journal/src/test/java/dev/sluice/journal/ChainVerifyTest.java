package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChainLayout;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.RecordLayout;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.MappedBytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash chain and the signed seals: a journal written by a gateway verifies; any single-byte change inside a
 * record is found and named; a record rewritten with the chain recomputed, but without the signing key, is found by
 * its seal.
 */
class ChainVerifyTest {
    private static final int REQUESTS = 1_500;
    /** A byte of the wall time, which every request and end record holds at bytes 10 to 17. */
    private static final int WALL_TIME_BYTE = 11;
    /** Bytes of the header Chronicle writes before each document: its length and its flags. */
    private static final int CHRONICLE_HEADER_BYTES = 4;

    @TempDir
    Path tmp;

    private Path journalDir;
    private Path keyFile;

    private void writeJournal(JournalMode mode) throws Exception {
        journalDir = tmp.resolve("data/journal");
        keyFile = tmp.resolve("data/journal-signing.key");
        JournalSettings settings = JournalSettings.builder(journalDir).mode(mode).signingKeyFile(keyFile).build();
        try (Journal journal = Journal.open(settings)) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            EndRecord end = new EndRecord();
            for (int i = 1; i <= REQUESTS; i++) {
                long position = producer.append(Records.request(request, i, 1_000 + i));
                assertThat(position).isNotEqualTo(JournalProducer.FULL);
                assertThat(producer.append(Records.ok(end, i, 2_000 + i))).isNotEqualTo(JournalProducer.FULL);
            }
            // Interval seals are signed off the writer's thread and written with a later record, every 1,000
            // records at most once a second: keep appending until the journal holds one (each poll appends, on this
            // thread, the producer's owner).
            long[] next = {REQUESTS + 1};
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(60)).until(() -> {
                for (int i = 0; i < 500; i++) {
                    producer.append(Records.request(request, next[0], 1_000 + next[0]));
                    producer.append(Records.ok(end, next[0], 2_000 + next[0]));
                    next[0]++;
                }
                if (mode == JournalMode.HANDOFF) {
                    long last = producer.appendedRecords();
                    Awaitility.await().until(() -> journal.appendedRecords() >= last);
                }
                return new JournalVerifier(JournalSigner.load(keyFile)).verify(List.of(journalDir)).seals() >= 1;
            });
        }
    }

    private VerifyReport verify() throws Exception {
        return new JournalVerifier(JournalSigner.load(keyFile)).verify(List.of(journalDir));
    }

    @Test
    @Timeout(60)
    void shouldVerifyAJournalWrittenInEitherModeWithSealsAtIntervalsAndClose() throws Exception {
        for (JournalMode mode : JournalMode.values()) {
            writeJournal(mode);
            VerifyReport report = verify();
            assertThat(report.broken()).as(report.summary()).isFalse();
            // Requests and ends, the control partition's boot record, and the seals.
            assertThat(report.records()).isGreaterThanOrEqualTo(2L * REQUESTS + 1 + report.seals());
            assertThat(report.seals()).as("an interval seal after %d records, and one per partition at close",
                dev.sluice.journal.internal.Chain.SEAL_EVERY_RECORDS).isGreaterThanOrEqualTo(3);
            assertThat(report.unsignedTail()).isZero();
            assertThat(report.summary()).startsWith("OK: ");
            // A second gateway start continues the chains (and reseals them).
            try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(mode).signingKeyFile(keyFile)
                .build())) {
                assertThat(journal.recoveredInterrupted()).isZero();
            }
            assertThat(verify().broken()).as(verify().summary()).isFalse();
            deleteTree(tmp.resolve("data"));
        }
    }

    /** A wall clock the test moves. */
    private static final class SteppedClock extends java.time.Clock {
        final AtomicLong millis =
            new AtomicLong(System.currentTimeMillis());

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.ofEpochMilli(millis.get());
        }
    }

    /** Seals in a journal of {@code records} request records written while {@code clock} stands still. */
    private long sealsAfter(String dir, int records, SteppedClock clock) throws Exception {
        journalDir = tmp.resolve(dir + "/journal");
        keyFile = tmp.resolve(dir + "/journal-signing.key");
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .signingKeyFile(keyFile).clock(clock).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            for (int i = 1; i <= records; i++) {
                producer.append(Records.request(request, i, 1_000 + i));
            }
        }
        VerifyReport report = verify();
        assertThat(report.broken()).as(report.summary()).isFalse();
        return report.seals();
    }

    @Test
    @Timeout(60)
    void shouldSealEveryThousandRecordsButAtMostOnceASecond() throws Exception {
        long fewRecords = sealsAfter("few", 10, new SteppedClock());
        // The clock stands still: 10,000 records and no interval seal, only those of a start and a close.
        long clockStill = sealsAfter("still", 10_000, new SteppedClock());
        // A second per 1,000 records: interval seals follow (signed off the writer's thread, so some may be late).
        SteppedClock moving = new SteppedClock();
        journalDir = tmp.resolve("moving/journal");
        keyFile = tmp.resolve("moving/journal-signing.key");
        long[] next = {1};
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .signingKeyFile(keyFile).clock(moving).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            Awaitility.await().pollInSameThread().atMost(Duration.ofSeconds(50)).until(() -> {
                for (int i = 0; i < 1000; i++) {
                    producer.append(Records.request(request, next[0]++, 1_000));
                }
                moving.millis.addAndGet(Chain.SEAL_MIN_INTERVAL_MS);
                return verify().seals() >= fewRecords + 3;
            });
        }
        assertThat(clockStill).isEqualTo(fewRecords);
        assertThat(verify().broken()).isFalse();
        System.out.printf("seals: %d for 10 records, %d for 10,000 within one second, %d for %d records over %d"
            + " seconds%n", fewRecords, clockStill, verify().seals(), next[0] - 1, (next[0] - 1) / 1000);
    }

    @Test
    @Timeout(120)
    void shouldVerifyAJournalWhileItsWriterAppends() throws Exception {
        journalDir = tmp.resolve("live/journal");
        keyFile = tmp.resolve("live/journal-signing.key");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        List<String> summaries = new ArrayList<>();
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .signingKeyFile(keyFile).build());
             ProducerThread thread = new ProducerThread("loop-0")) {
            JournalProducer producer = journal.newProducer(thread.executor);
            Future<?> writer = thread.executor.submit(() -> {
                RequestRecord request = new RequestRecord();
                EndRecord end = new EndRecord();
                // Bursts of a gateway's pace (at most some 20,000 requests a second), not a disk's.
                for (long id = 1; !stop.get(); id++) {
                    producer.append(Records.request(request, id, 1_000 + id));
                    producer.append(Records.ok(end, id, 2_000 + id));
                    written.set(id);
                    if (id % 20 == 0) {
                        LockSupport.parkNanos(1_000_000);
                    }
                }
            });
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 5_000);
            // Each check covers what was written when it began and ends while the writer goes on appending.
            try {
                for (int i = 0; i < 20; i++) {
                    VerifyReport report = verify();
                    summaries.add(report.summary());
                    assertThat(report.broken()).as("check %d while %d requests were written: %s", i, written.get(),
                        report.summary()).isFalse();
                }
            } finally {
                stop.set(true);
            }
            writer.get(30, TimeUnit.SECONDS);
        }
        assertThat(verify().broken()).isFalse();
        System.out.printf("20 checks of a journal being written (%d requests at the end): all OK, the last: %s%n",
            written.get(), summaries.get(summaries.size() - 1));
    }

    @Test
    void shouldCreateTheKeyReadableByItsOwnerOnlyOutsideTheJournal() throws Exception {
        writeJournal(JournalMode.DIRECT);
        assertThat(keyFile).exists();
        assertThat(keyFile.startsWith(journalDir)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");
        assertThat(Files.readString(keyFile.resolveSibling(keyFile.getFileName() + ".pub"))).startsWith("public ")
            .doesNotContain("private");
    }

    @Test
    @Timeout(300)
    void shouldDetectEverySingleByteChangeInsideARecord() throws Exception {
        writeJournal(JournalMode.DIRECT);
        List<long[]> spans = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        documentSpans(spans, files);
        // Chronicle's own 4-byte header before each record (its length and flags) is part of the record too.
        for (int i = 0; i < spans.size(); i++) {
            long[] span = spans.get(i);
            spans.set(i, new long[] {span[0], span[1] - CHRONICLE_HEADER_BYTES, span[2] + CHRONICLE_HEADER_BYTES});
        }
        assertThat(spans).hasSizeGreaterThan(2 * REQUESTS);
        Random random = new Random(20261204L);
        int changes = 1_000;
        int detected = 0;
        Map<String, Integer> problems = new TreeMap<>();
        for (int i = 0; i < changes; i++) {
            long[] span = spans.get(random.nextInt(spans.size()));
            Path file = files.get((int) span[0]);
            long position = span[1] + (long) (random.nextDouble() * span[2]);
            // Half the changes flip one bit (the subtlest), half give the byte any other value.
            byte mask = (byte) (i % 2 == 0 ? 1 << random.nextInt(8) : 1 + random.nextInt(255));
            flip(file, position, mask);
            try {
                VerifyReport report = verify();
                if (report.broken()) {
                    detected++;
                    problems.merge(report.problem().replaceAll("[0-9]+", "N"), 1, Integer::sum);
                } else {
                    throw new AssertionError("undetected change at " + file.getFileName() + "@" + position
                        + " in a record of " + span[2] + " bytes starting at " + span[1] + ": " + report.summary());
                }
            } finally {
                flip(file, position, mask);
            }
        }
        System.out.printf("%d single-byte changes (half of them one bit) in %d records (Chronicle header included):"
            + " %d detected %s%n", changes, spans.size(), detected, problems);
        assertThat(detected).isEqualTo(changes);
        assertThat(verify().broken()).isFalse();
    }

    @Test
    @Timeout(60)
    void shouldDetectARecordRewrittenWithItsChainRecomputedWithoutTheKey() throws Exception {
        writeJournal(JournalMode.DIRECT);
        List<long[]> spans = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        documentSpans(spans, files);
        // Rewrite one record of the producer partition, then recompute every hash after it, as someone who can
        // write the journal but not read the key would.
        int target = spans.size() / 2;
        Path file = files.get((int) spans.get(target)[0]);
        byte[] head = null;
        MessageDigest sha = ChainLayout.sha256();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            for (int i = 0; i < spans.size(); i++) {
                long[] span = spans.get(i);
                if (!files.get((int) span[0]).equals(file)) {
                    continue;
                }
                byte[] doc = new byte[(int) span[2]];
                raf.seek(span[1]);
                raf.readFully(doc);
                int trailer = doc.length - ChainLayout.TRAILER_BYTES;
                if (i == target) {
                    doc[WALL_TIME_BYTE] ^= 0x01;
                }
                if (i > target && doc[1] == RecordLayout.TYPE_SEAL) {
                    // The attacker also makes each later seal name the new head; only the signature is out of reach.
                    System.arraycopy(head, 0, doc, RecordLayout.HEADER_BYTES + 9, ChainLayout.HASH_BYTES);
                }
                if (i >= target) {
                    int metaLength = leInt(doc, trailer);
                    int bodyLength = leInt(doc, trailer + 4);
                    sha.update(head);
                    sha.update(doc, 0, metaLength);
                    sha.update(doc, trailer + 4, 4);
                    sha.update(ChainLayout.sha256().digest(java.util.Arrays.copyOfRange(doc, metaLength,
                        metaLength + bodyLength)));
                    byte[] hash = sha.digest();
                    System.arraycopy(hash, 0, doc, doc.length - ChainLayout.HASH_BYTES, ChainLayout.HASH_BYTES);
                    raf.seek(span[1]);
                    raf.write(doc);
                }
                head = java.util.Arrays.copyOfRange(doc, doc.length - ChainLayout.HASH_BYTES, doc.length);
            }
        }
        VerifyReport report = verify();
        assertThat(report.broken()).isTrue();
        assertThat(report.problem()).contains("signature does not verify");
        // Without the key's private half, verify with the .pub file finds the same.
        VerifyReport withPublic = new JournalVerifier(JournalSigner.load(keyFile.resolveSibling(
            keyFile.getFileName() + ".pub"))).verify(List.of(journalDir));
        assertThat(withPublic.problem()).isEqualTo(report.problem());
    }

    /** Where every document of the producer partition lies in its cycle file: {file index, offset, length}. */
    private void documentSpans(List<long[]> spans, List<Path> files) {
        Path partition = Partitions.find(journalDir).stream().filter(p -> p.getFileName().toString().startsWith("loop-"))
            .findFirst().orElseThrow();
        try (SingleChronicleQueue queue = Partitions.openForReading(partition);
             ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    Path file = ((MappedBytes) bytes).mappedFile().file().toPath();
                    int index = files.indexOf(file);
                    if (index < 0) {
                        files.add(file);
                        index = files.size() - 1;
                    }
                    spans.add(new long[] {index, bytes.readPosition(), bytes.readRemaining()});
                }
            }
        }
    }

    private static void flip(Path file, long position, byte mask) throws Exception {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            int b = raf.read();
            raf.seek(position);
            raf.write(b ^ mask);
        }
    }

    private static int leInt(byte[] b, int at) {
        return (b[at] & 0xFF) | (b[at + 1] & 0xFF) << 8 | (b[at + 2] & 0xFF) << 16 | (b[at + 3] & 0xFF) << 24;
    }

    private static void deleteTree(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

}
