package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import dev.sluice.journal.JournalCompactor.CompactReport;
import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.JournalSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction at scale: 100,000 requests with small bodies and three parts each, over several cycles; the journal
 * verifies and every answer reads back the same. The bytes before and after go to the test output (figures, not
 * assertions).
 */
class CompactScaleTest {
    private static final int REQUESTS = 100_000;
    private static final int BATCHES = 5;
    private static final int PARTS = 3;

    @TempDir
    Path tmp;

    @Test
    @Timeout(600)
    void shouldCompactAHundredThousandRequestsAndReadEveryAnswerBack() throws Exception {
        Path journalDir = tmp.resolve("data/journal");
        Path keyFile = tmp.resolve("data/journal-signing.key");
        int perBatch = REQUESTS / BATCHES;
        try (Journal journal = Journal.open(JournalSettings.builder(journalDir).mode(JournalMode.DIRECT)
            .rollCycle("TEST_SECONDLY").signingKeyFile(keyFile).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            PartWorkload workload = new PartWorkload();
            for (int b = 0; b < BATCHES; b++) {
                long second = System.currentTimeMillis() / 1000;
                await().atMost(Duration.ofSeconds(5)).until(() -> System.currentTimeMillis() / 1000 > second);
                workload.writePaced(producer, 1 + (long) b * perBatch, perBatch, PARTS, System.currentTimeMillis() * 1000);
            }
        }
        JournalSigner key = JournalSigner.load(keyFile);
        VerifyReport written = new JournalVerifier(key).verify(List.of(journalDir));
        assertThat(written.broken()).as("as written: %s", written.summary()).isFalse();
        long bytesBefore = CompactionFiles.cycleBytes(journalDir);
        String diskBefore = CompactionFiles.diskUsage(journalDir);
        CompactReport report = new JournalCompactor(key, Clock.systemUTC(), null, null).compact(journalDir);
        long bytesAfter = CompactionFiles.cycleBytes(journalDir);
        String diskAfter = CompactionFiles.diskUsage(journalDir);
        System.out.println("compact scale: " + REQUESTS + " requests, " + REQUESTS * PARTS + " parts; "
            + report.summary() + "; all cycle files " + bytesBefore + " -> " + bytesAfter + " bytes (logical), "
            + diskBefore + " -> " + diskAfter + " bytes on disk (du)");

        VerifyReport verified = new JournalVerifier(key).verify(List.of(journalDir));
        assertThat(verified.broken()).as(verified.summary()).isFalse();
        assertThat(report.cyclesRewritten()).isPositive();
        assertThat(report.partsFolded()).isPositive();
        Answers after = Answers.read(journalDir);
        assertThat(after.answers).hasSize(REQUESTS);
        for (long id = 1; id <= REQUESTS; id++) {
            assertThat(after.answers.get(id)).as("request %d", id).isEqualTo(PartWorkload.answer(id, PARTS));
            assertThat(after.requestBodies.get(id)).isEqualTo(PartWorkload.requestBody(id));
        }
    }
}
