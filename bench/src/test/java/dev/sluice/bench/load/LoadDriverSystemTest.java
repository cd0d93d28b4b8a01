package dev.sluice.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.compare.BenchUpstream;
import dev.sluice.bench.compare.internal.BenchModel;
import dev.sluice.bench.compare.internal.Bodies;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

class LoadDriverSystemTest {
    private BenchUpstream upstream;

    @BeforeEach
    void start() throws InterruptedException {
        upstream = BenchUpstream.start(0);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private LoadSpec.Builder spec(BenchModel model, boolean sse) {
        return LoadSpec.builder("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions")
                .body(Bodies.chat(model, sse)).sse(sse);
    }

    @Test
    @Timeout(20)
    void shouldRunAClosedLoopAndCountEveryResponse(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("json.hlog");
        LoadResult r = LoadDriver.run(spec(BenchModel.MOCK, false).connections(4)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(1500)).warmupNs(TimeUnit.MILLISECONDS.toNanos(300))
                .hdrLog(log).build());
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isGreaterThan(300);
        assertThat(r.warmupRequests()).isPositive();
        assertThat(r.statusCounts()).containsOnlyKeys(200).containsEntry(200, r.requests());
        assertThat(r.total().getTotalCount()).isEqualTo(r.requests());
        assertThat(r.connectionsOpened()).isEqualTo(4);
        assertThat(r.toJson()).contains("\"requests\":" + r.requests(), "\"errors\":0", "\"status\":{\"200\":");

        long logged = 0;
        HistogramLogReader reader = new HistogramLogReader(log.toFile());
        for (Histogram h; (h = (Histogram) reader.nextIntervalHistogram()) != null; ) {
            if ("total".equals(h.getTag())) {
                logged += h.getTotalCount();
            }
        }
        assertThat(logged).isEqualTo(r.requests());
    }

    @Test
    @Timeout(20)
    void shouldSendAtTheAskedRateInOpenLoop() throws Exception {
        LoadResult r = LoadDriver.run(spec(BenchModel.MOCK, false).ratePerSecond(200).connections(1)
                .durationNs(TimeUnit.SECONDS.toNanos(2)).warmupNs(TimeUnit.MILLISECONDS.toNanos(200)).build());
        assertThat(r.errors()).isZero();
        // 200/s over 2 s: exactly 400 requests are intended in the window.
        assertThat(r.requests()).isBetween(396L, 404L);
        assertThat(r.rps()).isBetween(190.0, 210.0);
        assertThat(r.totalMs(50)).isLessThan(20.0);
    }

    @Test
    @Timeout(20)
    void shouldMeasureTimeToFirstEventBeforeTheEndOfAPacedStream() throws Exception {
        LoadResult r = LoadDriver.run(spec(BenchModel.TTFT20_ITL10, true).connections(3)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(1500)).build());
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isGreaterThanOrEqualTo(15);
        assertThat(r.ttft().getTotalCount()).isEqualTo(r.requests());
        assertThat(r.ttftMs(50)).isBetween(18.0, 60.0);
        assertThat(r.totalMs(50)).isGreaterThan(220.0);
        assertThat(r.ttftMs(99)).isLessThan(r.totalMs(50));
    }

    @Test
    @Timeout(20)
    void shouldCountStreamsAsErrorsWhenTheyAreNotStreams() throws Exception {
        // A JSON answer where a stream is expected: status 200 but no data: [DONE].
        LoadResult r = LoadDriver.run(LoadSpec.builder("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions")
                .body(Bodies.chat(BenchModel.MOCK, false)).sse(true).connections(1)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(300)).build());
        assertThat(r.requests()).isPositive();
        assertThat(r.errorsByKind().get(LoadError.STREAM)).isEqualTo(r.requests());
    }

    @Test
    @Timeout(20)
    void shouldIncludeAServerStallInTheLatencyOfEveryRequestDueDuringIt() throws Exception {
        // One connection at 100/s; the server's only event loop stalls for 200 ms in the middle of the run. The
        // ~20 requests due during the stall wait for the connection, and that wait must show in their latency.
        upstream.eventLoop().schedule(() -> {
            long untilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
            while (untilNs - System.nanoTime() > 0) {
                LockSupport.parkNanos(untilNs - System.nanoTime());
            }
        }, 1000, TimeUnit.MILLISECONDS);
        LoadResult r = LoadDriver.run(spec(BenchModel.MOCK, false).ratePerSecond(100).connections(1)
                .maxConnections(1).durationNs(TimeUnit.SECONDS.toNanos(2)).build());
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isBetween(198L, 202L);
        Histogram total = r.total();
        long delayed = total.getCountBetweenValues(20_000, total.getMaxValue());
        assertThat(delayed).as("requests slower than 20 ms").isBetween(15L, 25L);
        assertThat(total.getMaxValue()).isGreaterThanOrEqualTo(180_000);
    }
}
