package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link JournalMode#DIRECT}: producers append to the queue themselves; a record is durable on return. */
class DirectModeTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void shouldAppendFromTwoThreadsDurablyOnReturnAndReadBackInOrderPerThread() throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(tmp.resolve("journal")).mode(JournalMode.DIRECT).build());
        int perProducer = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                long base = (p + 1L) << 32;
                // Made on this thread, used on the pool's: as the gateway makes them on its main thread.
                JournalProducer producer = journal.newProducer(Runnable::run);
                done.add(pool.submit(() -> {
                    RequestRecord request = new RequestRecord();
                    EndRecord end = new EndRecord();
                    for (int i = 0; i < perProducer; i++) {
                        long id = base + i;
                        long position = producer.append(Records.request(request, id, 1_000 + i));
                        assertThat(position).isNotEqualTo(JournalProducer.FULL);
                        assertThat(producer.isDurable(position)).isTrue();
                        assertThat(producer.whenDurable(position, () -> {
                            throw new AssertionError("never queued: durable already");
                        })).isTrue();
                        assertThat(producer.append(Records.ok(end, id, 2_000 + i))).isNotEqualTo(JournalProducer.FULL);
                    }
                    return producer.appendedRecords();
                }));
            }
            for (Future<Long> f : done) {
                assertThat(f.get(60, SECONDS)).isEqualTo(2L * perProducer);
            }
        } finally {
            pool.shutdownNow();
            journal.close();
        }
        Map<Long, Long> lastPerProducer = new HashMap<>();
        int[] counts = new int[2];
        try (JournalReader reader = JournalReader.open(tmp.resolve("journal"))) {
            List<JournalEntry> all = reader.last(Integer.MAX_VALUE, 0);
            for (JournalEntry e : all) {
                long producer = e.requestId() >>> 32;
                Long prev = lastPerProducer.put(producer, e.requestId());
                assertThat(prev == null || prev < e.requestId()).as("order within a producer").isTrue();
                assertThat(e.outcome()).isEqualTo("ok");
                counts[(int) producer - 1]++;
            }
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(counts).containsExactly(perProducer, perProducer);
    }

    /**
     * A writer gives back the pages it has passed: after 192 MiB of records (three 64 MiB blocks and into a fourth,
     * each overlapping the next by 16 MiB), the queue file's pages mapped in this process are a few MiB (the last
     * stretch written, through the current block and the one before, and the file's header), not the 80 MiB of a
     * block written through; and every record reads back whole. Read from {@code /proc/self/smaps} (Linux).
     */
    @Test
    @Timeout(60)
    void shouldKeepOnlyTheLastWrittenPagesOfABlockResident() throws Exception {
        Path smaps = Path.of("/proc/self/smaps");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(smaps), "no /proc/self/smaps here");
        Path dir = tmp.resolve("resident");
        Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT).build());
        byte[] body = new byte[4096];
        int records = 48 * 1024;
        long residentKb;
        try {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord request = new RequestRecord();
            for (int i = 0; i < records; i++) {
                body[0] = (byte) i;
                body[1] = (byte) (i >> 8);
                assertThat(producer.append(Records.request(request, 1 + i, 1_000).body(body, 0, body.length, false)))
                    .isPositive();
            }
            residentKb = residentKb(smaps, dir.toAbsolutePath().toString());
        } finally {
            journal.close();
        }
        System.out.printf("%d records of 4 KiB written (%d MiB): %d KiB of the journal's files resident%n", records,
            (long) records * body.length >> 20, residentKb);
        assertThat(residentKb).isLessThan(16 * 1024);
        for (int i : new int[] {0, records / 2, records - 1}) {
            RequestHistory history = RequestHistory.find(List.of(dir), 1 + i);
            assertThat(history.requestBody()).hasSize(body.length);
            assertThat(history.requestBody()[0]).isEqualTo((byte) i);
            assertThat(history.requestBody()[1]).isEqualTo((byte) (i >> 8));
        }
        assertThat(new JournalVerifier((JournalSigner) null).verify(List.of(dir)).broken()).isFalse();
    }

    /** A mapping's first line in smaps: its address range. */
    private static final java.util.regex.Pattern MAPPING = java.util.regex.Pattern.compile("[0-9a-f]+-[0-9a-f]+ ");

    /** The resident kilobytes of every mapping of a file under {@code dir}, from smaps. */
    private static long residentKb(Path smaps, String dir) throws java.io.IOException {
        long kb = 0;
        boolean inDir = false;
        for (String line : Files.readAllLines(smaps)) {
            if (MAPPING.matcher(line).lookingAt()) {
                inDir = line.contains(dir);
            } else if (inDir && line.startsWith("Rss:")) {
                kb += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return kb;
    }

    @Test
    @Timeout(60)
    void shouldMapBlocksLargeEnoughForTheLargestRecordTheSettingsAllow() throws Exception {
        // 20 MiB records: blocks of 128 MiB (four times, rounded up to a power of two); Chronicle's default block of
        // 64 MiB takes 16 MiB at most.
        JournalSettings settings = JournalSettings.builder(tmp.resolve("blocks")).mode(JournalMode.DIRECT)
            .maxRecordBytes(20 << 20).build();
        assertThat(settings.blockBytes()).isEqualTo(128L << 20);
        assertThat(JournalSettings.builder(tmp).build().blockBytes()).isEqualTo(JournalSettings.MIN_BLOCK_BYTES);
        assertThat(JournalSettings.builder(tmp).maxRecordBytes((64 << 20) + (1 << 20)).build().blockBytes())
            .isEqualTo(512L << 20);
        Journal journal = Journal.open(settings);
        byte[] body = new byte[(20 << 20) - 4096];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) ('a' + i % 26);
        }
        try {
            JournalProducer producer = journal.newProducer(Runnable::run);
            assertThat(producer.maxRecordBytes()).isEqualTo(32 << 20);
            RequestRecord request = new RequestRecord();
            EndRecord end = new EndRecord();
            // Small records past a block's end on both sides of the large one, so that it starts in a later block.
            for (int i = 0; i < 40_000; i++) {
                assertThat(producer.append(Records.request(request, 10 + i, 1_000))).isPositive();
            }
            assertThat(producer.append(Records.request(request, 7, 1_000).body(body, 0, body.length, false)))
                .isPositive();
            assertThat(producer.append(Records.ok(end, 7, 2_000))).isPositive();
            for (int i = 0; i < 40_000; i++) {
                assertThat(producer.append(Records.request(request, 50_000 + i, 1_000))).isPositive();
            }
        } finally {
            journal.close();
        }
        long size = Files.size(Files.list(tmp.resolve("blocks").resolve(
            Partitions.producer(0))).filter(f -> f.toString().endsWith(".cq4")).findFirst().orElseThrow());
        RequestHistory history = RequestHistory.find(List.of(tmp.resolve("blocks")), 7);
        assertThat(history.entry().outcome()).isEqualTo("ok");
        assertThat(history.requestBody()).isEqualTo(body);
        assertThat(new JournalVerifier((JournalSigner) null).verify(List.of(tmp.resolve("blocks"))).broken()).isFalse();
        System.out.printf("a %d-byte record between 80,000 small ones in a %d-byte file, mapped 128 MiB at a time%n",
            body.length, size);
    }

    @Test
    @Timeout(30)
    void shouldRefuseAfterCloseInsteadOfWriting() throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(tmp.resolve("j2")).mode(JournalMode.DIRECT).build());
        JournalProducer producer = journal.newProducer(Runnable::run);
        assertThat(producer.append(Records.request(new RequestRecord(), 1, 1))).isPositive();
        journal.close();
        assertThat(producer.append(Records.request(new RequestRecord(), 2, 2))).isEqualTo(JournalProducer.FULL);
        assertThat(producer.fullRejections()).isEqualTo(1);
    }
}
