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

class LoadDriverSystemTest {
    /** Time the requests in flight at the end of a run get to be answered: far beyond what any should need. */
    private static final long DRAIN_NS = TimeUnit.SECONDS.toNanos(60);

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
    @Timeout(120)
    void shouldRunAClosedLoopAndCountEveryResponse(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("json.hlog");
        LoadResult r = LoadDriver.run(spec(BenchModel.MOCK, false).connections(4)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(1500)).warmupNs(TimeUnit.MILLISECONDS.toNanos(1000))
                .drainTimeoutNs(DRAIN_NS).hdrLog(log).build());
        // How many fit in the window depends on the machine: only that every one is counted once is asserted.
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isPositive();
        assertThat(r.warmupRequests()).isPositive();
        assertThat(r.statusCounts()).containsOnlyKeys(200).containsEntry(200, r.requests());
        assertThat(r.total().getTotalCount()).isEqualTo(r.requests());
        assertThat(r.connectionsOpened()).isEqualTo(4);
        assertThat(r.rps()).isEqualTo(r.requests() / 1.5);
        assertThat(r.toJson()).contains("\"requests\":" + r.requests(), "\"errors\":0", "\"status\":{\"200\":");

        long logged = 0;
        HistogramLogReader reader = new HistogramLogReader(log.toFile());
        for (Histogram h; (h = (Histogram) reader.nextIntervalHistogram()) != null; ) {
            if ("total".equals(h.getTag())) {
                logged += h.getTotalCount();
            }
            // The log has a start time, and no interval starts before it.
            assertThat(reader.getStartTimeSec()).isPositive();
            assertThat(h.getStartTimeStamp()).isGreaterThanOrEqualTo((long) (reader.getStartTimeSec() * 1000));
        }
        assertThat(logged).isEqualTo(r.requests());
    }

    @Test
    @Timeout(120)
    void shouldSendAtTheAskedRateInOpenLoop() throws Exception {
        LoadResult r = LoadDriver.run(spec(BenchModel.MOCK, false).ratePerSecond(200).connections(1)
                .durationNs(TimeUnit.SECONDS.toNanos(2)).warmupNs(TimeUnit.MILLISECONDS.toNanos(200))
                .drainTimeoutNs(DRAIN_NS).build());
        // Open loop: the schedule, not the machine, sets how many requests are due. 200/s is one every 5 ms:
        // 40 in the 200 ms warm-up, exactly 400 in the 2 s window, each answered once.
        assertThat(r.errors()).isZero();
        assertThat(r.warmupRequests()).isEqualTo(40);
        assertThat(r.requests()).isEqualTo(400);
        assertThat(r.statusCounts()).containsOnlyKeys(200).containsEntry(200, 400L);
        assertThat(r.total().getTotalCount()).isEqualTo(400);
        // The reported rate is the count over the window, whatever the latency was.
        assertThat(r.rps()).isEqualTo(200.0);
        System.out.printf("open loop at 200/s: total p50 %.3f ms, p99 %.3f ms (reported, not asserted)%n",
                r.totalMs(50), r.totalMs(99));
    }

    @Test
    @Timeout(120)
    void shouldCloseAPooledConnectionIdleLongerThanMaxIdleInsteadOfReusingIt() throws Exception {
        // 5 requests a second on one pooled connection: each finds it idle about 200 ms.
        LoadResult kept = LoadDriver.run(spec(BenchModel.MOCK, false).ratePerSecond(5).connections(1)
                .durationNs(TimeUnit.SECONDS.toNanos(2)).drainTimeoutNs(DRAIN_NS).build());
        LoadResult evicted = LoadDriver.run(spec(BenchModel.MOCK, false).ratePerSecond(5).connections(1)
                .durationNs(TimeUnit.SECONDS.toNanos(2)).drainTimeoutNs(DRAIN_NS)
                .maxIdleNs(TimeUnit.MILLISECONDS.toNanos(50)).build());

        assertThat(kept.errors()).isZero();
        assertThat(kept.requests()).isEqualTo(10);
        assertThat(kept.connectionsOpened()).as("the default keeps reusing it").isEqualTo(1);
        assertThat(evicted.errors()).isZero();
        assertThat(evicted.requests()).isEqualTo(10);
        assertThat(evicted.statusCounts()).containsEntry(200, 10L);
        assertThat(evicted.connectionsOpened()).as("a new connection for each request").isGreaterThanOrEqualTo(10);
    }

    @Test
    @Timeout(120)
    void shouldMeasureTimeToFirstEventBeforeTheEndOfAPacedStream() throws Exception {
        LoadResult r = LoadDriver.run(spec(BenchModel.TTFT20_ITL10, true).connections(3)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(1500)).drainTimeoutNs(DRAIN_NS).build());
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isPositive();
        assertThat(r.statusCounts()).containsOnlyKeys(200).containsEntry(200, r.requests());
        assertThat(r.ttft().getTotalCount()).isEqualTo(r.requests());
        assertThat(r.total().getTotalCount()).isEqualTo(r.requests());
        // The upstream writes the 22 events of each stream one by one, 10 ms apart: a first event timed when it
        // arrives comes before the end of its stream. Timed at the end instead, the two would be the same.
        assertThat(r.ttft().getMean()).isLessThan(r.total().getMean());
        System.out.printf("paced streams: TTFT p50 %.3f ms, total p50 %.3f ms (reported, not asserted)%n",
                r.ttftMs(50), r.totalMs(50));
    }

    @Test
    @Timeout(120)
    void shouldCountStreamsAsErrorsWhenTheyAreNotStreams() throws Exception {
        // A JSON answer where a stream is expected: status 200 but no data: [DONE].
        LoadResult r = LoadDriver.run(LoadSpec.builder("http://127.0.0.1:" + upstream.port() + "/v1/chat/completions")
                .body(Bodies.chat(BenchModel.MOCK, false)).sse(true).connections(1)
                .durationNs(TimeUnit.MILLISECONDS.toNanos(300)).drainTimeoutNs(DRAIN_NS).build());
        assertThat(r.requests()).isPositive();
        assertThat(r.errorsByKind().get(LoadError.STREAM)).isEqualTo(r.requests());
    }

    @Test
    @Timeout(120)
    void shouldIncludeAServerStallInTheLatencyOfEveryRequestDueDuringIt() throws Exception {
        // One connection at 100/s; the server's only event loop stalls for 200 ms in the middle of the run. The
        // requests due during the stall wait for the connection, and that wait must show in their latency: timed
        // from the intended send time, a request due at t cannot be answered before the stall ends at s1, so its
        // latency is at least s1 - t whatever the machine's speed. Timed from the actual send, only the request in
        // flight when the stall began would show it.
        long[] stall = new long[2];
        long beforeNs = System.nanoTime();
        LoadResult r;
        try (LoadDriver driver = LoadDriver.start(spec(BenchModel.MOCK, false).ratePerSecond(100).connections(1)
                .maxConnections(1).durationNs(TimeUnit.SECONDS.toNanos(5)).drainTimeoutNs(DRAIN_NS).build())) {
            upstream.eventLoop().schedule(() -> {
                stall[0] = System.nanoTime();
                long untilNs = stall[0] + TimeUnit.MILLISECONDS.toNanos(200);
                while (untilNs - System.nanoTime() > 0) {
                    // A busy stall: parking the event loop would be a blocking call, which the safety net fails.
                }
                stall[1] = System.nanoTime();
            }, 1000, TimeUnit.MILLISECONDS);
            r = driver.await();
        }
        assertThat(r.errors()).isZero();
        assertThat(r.requests()).isEqualTo(500);
        // The stall ran (1 s into a 5 s window); had it come after the window, no request would show it below.
        assertThat(stall[1]).as("the stall ran").isNotZero();
        assertThat(stall[0] - beforeNs).isPositive();
        // The requests due in the first half of the stall (one every 10 ms) each waited at least half of it.
        long halfStallMicros = (stall[1] - stall[0]) / 2_000;
        long dueInFirstHalf = halfStallMicros / 10_000;
        Histogram total = r.total();
        long delayed = total.getCountBetweenValues(halfStallMicros, total.getMaxValue());
        System.out.printf("server stall of %d µs: %d requests at least %d µs late, max %d µs (%d due in its first half)%n",
                2 * halfStallMicros, delayed, halfStallMicros, total.getMaxValue(), dueInFirstHalf);
        assertThat(dueInFirstHalf).isGreaterThanOrEqualTo(10);
        assertThat(delayed).as("requests that waited out at least half the stall").isGreaterThanOrEqualTo(
                dueInFirstHalf - 1);
    }
}
