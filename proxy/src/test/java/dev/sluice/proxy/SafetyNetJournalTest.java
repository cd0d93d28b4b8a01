package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.SafetyNet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves the safety net sees Chronicle's warning about a queue with two writers, wherever it is logged. */
@Timeout(60)
class SafetyNetJournalTest {

    @Test
    void shouldRecordAChronicleAppenderClosedTwice() {
        try {
            System.err.println("[sluice-io-3-2] WARN net.openhft.chronicle.queue.impl.single.StoreAppender$"
                    + "StoreAppenderContext - Already Closed, close was called twice. (planted by SafetyNetJournalTest)");
            assertThat(SafetyNet.CHRONICLE_MISUSE).singleElement()
                    .satisfies(line -> assertThat(line).contains("sluice-io-3-2", "close was called twice"));
        } finally {
            SafetyNet.CHRONICLE_MISUSE.clear();
        }
    }
}
