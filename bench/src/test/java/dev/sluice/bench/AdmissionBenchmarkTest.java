package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.routing.admission.AdmissionDecision;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class AdmissionBenchmarkTest {

    @ParameterizedTest
    @ValueSource(strings = {"key", "key-team-project"})
    void shouldCountEveryRequestAndAdmitItUnderTheBudget(String shape) {
        AdmissionBenchmark bench = new AdmissionBenchmark();
        bench.shape = shape;
        bench.setUp();
        AdmissionDecision first = bench.admitAndSettle();
        long before = first.requests().remaining();
        for (int i = 0; i < 999; i++) {
            assertThat(bench.admitAndSettle()).as("request %d admitted", i).isNotNull();
        }
        AdmissionDecision last = bench.admitAndSettle();
        // Each request is counted in the requests-per-minute window (and the settle keeps the count).
        assertThat(before - last.requests().remaining()).isEqualTo(1000);
        assertThat(last.tokens()).isNotNull();
    }
}
