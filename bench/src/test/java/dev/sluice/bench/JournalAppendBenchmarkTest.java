package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeAll;
import dev.sluice.journal.JournalReader;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class JournalAppendBenchmarkTest {

    @BeforeAll
    static void tempDirExists() throws IOException {
        Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"HANDOFF", "DIRECT"})
    void shouldAppendEveryRecordAndHaveTheJournalWriteThemAll(String mode) throws IOException {
        JournalAppendBenchmark bench = new JournalAppendBenchmark();
        bench.mode = mode;
        JournalAppendBenchmark.FullRing full = new JournalAppendBenchmark.FullRing();
        bench.setUp();
        Path dir = bench.journal().dir();
        try {
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
            if (mode.equals("DIRECT")) {
                // Appended by this thread itself: durable on return, nothing left for the journal thread.
                assertThat(bench.producer().isDurable(last)).isTrue();
                try (JournalReader reader = JournalReader.open(dir)) {
                    // The benchmark numbers its END records apart from its REQUEST records: 5 000 requests to read.
                    assertThat(reader.last(Integer.MAX_VALUE, 0)).hasSize(5_000);
                    assertThat(reader.undecodableRecords()).isZero();
                }
            }
        } catch (Throwable failure) {
            // tearDown closes the journal and deletes its directory: also when an assertion above failed.
            try {
                bench.tearDown();
            } catch (Throwable e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        // tearDown closes the journal (draining the ring) and fails unless the journal wrote all 10 000.
        bench.tearDown();
        assertThat(bench.journal().appendedRecords()).isEqualTo(mode.equals("DIRECT") ? 0 : 10_000);
        assertThat(dir).doesNotExist();
    }
}
