package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.journal.internal.JournalSigner;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Evaluation runs round-trip among the other records (every field, 20,000 request ids at most), readers that join
 * requests skip them, spend ignores them, the journal verifies with them, and a sample's history names its runs.
 */
class EvalRecordTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void shouldRoundTripRunsAndLeadFromASampleToItsRun() throws Exception {
        Path dir = tmp.resolve("j");
        long[] many = new long[EvalRecord.MAX_SAMPLES];
        for (int i = 0; i < many.length; i++) {
            many[i] = 1_000 + i;
        }
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord sample = Records.request(new RequestRecord(), 7, 2);
            sample.useCase("eval");
            producer.append(sample);
            producer.append(Records.ok(new EndRecord(), 7, 3));
            journal.appendEval(new EvalRecord(4, "owner:ann", "capitals", "0123456789ab", "agent/helper@staging",
                "helper", "ba9876543210", 1, 0.7, new long[] {7}));
            journal.appendEval(new EvalRecord(5, "admin", "big", "aaaaaaaaaaaa", "m", null, null, 15_000, Double.NaN,
                many));
        }
        List<EvalRecord> runs = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onEval(EvalRecord e) {
                    runs.add(e);
                }
            }, 100) > 0) {
                // read on
            }
            assertThat(reader.undecodableRecords()).isZero();
            assertThat(reader.last(10, 0)).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("ok"));
        }
        assertThat(runs).hasSize(2);
        EvalRecord first = runs.get(0);
        assertThat(first.wallTimeMicros()).isEqualTo(4);
        assertThat(first.actor()).isEqualTo("owner:ann");
        assertThat(first.set() + "@" + first.setVersion()).isEqualTo("capitals@0123456789ab");
        assertThat(first.target()).isEqualTo("agent/helper@staging");
        assertThat(first.agent() + "@" + first.agentVersion()).isEqualTo("helper@ba9876543210");
        assertThat(first.samples()).isEqualTo(1);
        assertThat(first.passes()).isEqualTo(1);
        assertThat(first.minPassRate()).isEqualTo(0.7);
        assertThat(first.requestIds()).containsExactly(7);
        EvalRecord big = runs.get(1);
        assertThat(big.agent()).isNull();
        assertThat(big.minPassRate()).isNaN();
        assertThat(big.samples()).isEqualTo(EvalRecord.MAX_SAMPLES);
        assertThat(big.passRate()).isEqualTo(0.75);
        assertThat(big.requestIds()).containsExactly(many);
        assertThat(RequestHistory.find(List.of(dir), 7).evalRuns()).singleElement()
            .satisfies(r -> assertThat(r.set()).isEqualTo("capitals"));
        assertThat(SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE).total().requests()).isEqualTo(1);
        assertThat(new JournalVerifier((JournalSigner) null).verify(List.of(dir)).broken()).isFalse();
        assertThatThrownBy(() -> new EvalRecord(1, "a", "s", "v", "t", null, null, 2, Double.NaN, new long[] {1}))
            .hasMessageContaining("passes 2 of 1");
    }
}
