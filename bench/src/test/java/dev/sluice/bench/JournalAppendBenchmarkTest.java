package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class JournalAppendBenchmarkTest {

    @BeforeAll
    static void tempDirExists() throws IOException {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @Test
    void shouldAppendEveryRecordAndHaveTheJournalWriteThemAll() throws IOException {
        JournalAppendBenchmark bench = new JournalAppendBenchmark();
        JournalAppendBenchmark.FullRing full = new JournalAppendBenchmark.FullRing();
        bench.setUp();
        Path dir = bench.journal().dir();
        long last = 0;
        for (int i = 0; i < 5_000; i++) {
            long a = bench.appendRequest(full);
            long b = bench.appendEnd(full);
            assertThat(a).isGreaterThan(last);
            assertThat(b).isGreaterThan(a);
            last = b;
        }
        assertThat(bench.producer().appendedRecords()).isEqualTo(10_000);
        assertThat(bench.producer().fullRejections()).isEqualTo(full.fullSpins);
        // tearDown closes the journal (draining the ring) and fails unless the journal wrote all 10 000.
        bench.tearDown();
        assertThat(bench.journal().appendedRecords()).isEqualTo(10_000);
        assertThat(dir).doesNotExist();
    }
}
