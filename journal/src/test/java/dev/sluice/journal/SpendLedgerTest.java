package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class SpendLedgerTest {
    private static final long T0 = SpendReportTest.micros("2026-11-20T08:00:00Z");

    @TempDir
    Path tmp;

    @Test
    @Timeout(60)
    void shouldReportEveryFinishedRequestWithTheValuesOfItsEnd() throws Exception {
        Path dir = tmp.resolve("journal");
        SpendWorkload workload = SpendWorkload.write(dir, 7, 1000, T0, 60_000_000L);
        Map<Long, RequestRecord> requests = new HashMap<>();
        List<SpendEntry> expected = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            RecordVisitor visitor = new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    requests.put(r.requestId(), r);
                }

                @Override
                public void onEnd(EndRecord e) {
                    RequestRecord r = requests.remove(e.requestId());
                    expected.add(new SpendEntry(r.wallTimeMicros() / 1000, r.keyId(), r.team(), r.project(),
                        r.useCase(), r.requestedModel(), r.agent(), e.costMicros(), e.tokensIn(), e.tokensOut(),
                        r.shadowSource()));
                }
            };
            while (reader.poll(visitor, 1000) > 0) {
                // read to the end
            }
        }
        List<SpendEntry> entries = new ArrayList<>();
        SpendLedger.read(dir, Long.MIN_VALUE, entries::add);

        assertThat(entries).containsExactlyElementsOf(expected);
        assertThat(entries).hasSize(workload.endsWritten + workload.recoveredAtRestart);
        assertThat(entries).anyMatch(e -> !e.costKnown() && e.costMicros() == EndRecord.UNKNOWN)
            .anyMatch(e -> e.team() == null).anyMatch(e -> "".equals(e.project()));
        // Tags are shared, not decoded again for each entry.
        List<SpendEntry> research = entries.stream().filter(e -> "research".equals(e.team())).toList();
        assertThat(research).hasSizeGreaterThan(10);
        assertThat(research.get(0).team()).isSameAs(research.get(research.size() - 1).team());

        long sinceMs = T0 / 1000 + 500 * 60_000L;
        List<SpendEntry> recent = new ArrayList<>();
        SpendLedger.read(dir, sinceMs, recent::add);
        assertThat(recent).containsExactlyElementsOf(
            expected.stream().filter(e -> e.wallMs() >= sinceMs).toList());
    }

    @Test
    @Timeout(60)
    void shouldSkipWholeCyclesOlderThanSinceAndStillFindEveryRequest() throws Exception {
        Path dir = tmp.resolve("secondly");
        long now = System.currentTimeMillis() * 1000;
        long day = 86_400_000_000L;
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .rollCycle("TEST_SECONDLY").build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord r = new RequestRecord();
            EndRecord e = new EndRecord();
            // Cycle 1: three days old. Cycle 2: two days old, then one request after since. Cycle 3: now.
            long[][] cycles = {{now - 3 * day}, {now - 2 * day, now - 1000}, {now}};
            long id = 1;
            for (long[] walls : cycles) {
                long second = System.currentTimeMillis() / 1000;
                for (long wall : walls) {
                    producer.append(Records.request(r, id, wall));
                    producer.append(Records.ok(e, id, wall + 1));
                    id++;
                }
                // The queue rolls each second: the next group goes into a new cycle.
                await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
            }
        }
        long since = now - day;
        List<Long> ids = new ArrayList<>();
        try (SpendScanner scanner = SpendScanner.open(dir)) {
            scanner.scan(since, row -> ids.add(row.requestId));
            assertThat(scanner.skippedCycles()).isEqualTo(1);
            assertThat(scanner.undecodableRecords()).isZero();
        }
        assertThat(ids).containsExactly(3L, 4L);
        try (SpendScanner scanner = SpendScanner.open(dir)) {
            scanner.scan(Long.MIN_VALUE, row -> ids.add(row.requestId));
            assertThat(scanner.skippedCycles()).isZero();
        }
        assertThat(ids).containsExactly(3L, 4L, 1L, 2L, 3L, 4L);
    }
}
