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
        AdmissionBenchmark bench = benchmark(shape);
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

    /**
     * With reservation and settlement on every scope, a request allocates nothing once the counters exist: the
     * ticket, its decision and its limit states come back to the pool at the settle. Least of three rounds of
     * 10,000 requests after a warm-up, on this thread's own allocation counter: at most one byte per request (an
     * object per request would be 16 bytes or more).
     */
    @ParameterizedTest
    @ValueSource(strings = {"key", "key-team-project"})
    void shouldAllocateNothingPerAdmittedAndSettledRequest(String shape) {
        AdmissionBenchmark bench = benchmark(shape);
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < 20_000; i++) {
            bench.admitAndSettle();
        }
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++) {
                bench.admitAndSettle();
            }
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        System.out.printf("admission (%s), least of three rounds of 10,000 requests: %d bytes%n", shape, least);
        assertThat(least).isLessThanOrEqualTo(10_000L);
    }

    private static AdmissionBenchmark benchmark(String shape) {
        AdmissionBenchmark bench = new AdmissionBenchmark();
        bench.shape = shape;
        bench.setUp();
        return bench;
    }
}
