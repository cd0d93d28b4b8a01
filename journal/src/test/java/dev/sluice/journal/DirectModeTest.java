package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

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
