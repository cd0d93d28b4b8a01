package dev.sluice.bench.load;

import static java.util.Objects.requireNonNull;

import dev.sluice.bench.internal.Transport;
import dev.sluice.bench.load.internal.Lane;
import dev.sluice.bench.load.internal.RequestBytes;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one load run described by a {@link LoadSpec}: {@link LoadSpec#threads()} event loops (epoll when
 * available), each driving a {@link Lane} with its share of the connections and of the rate. Time to first
 * event and total time go into HdrHistogram {@link Recorder}s in microseconds; {@link #await()} takes an interval
 * histogram every {@link #INTERVAL_MS} ms, writes it to the interval log when one was asked for, and returns the
 * {@link LoadResult}. Use {@link #start} then {@link #await()} to run two loads side by side, or {@link #run}.
 * {@code start}, {@code await} and {@code close} are to be called from one thread; the lanes run on their own.
 */
public final class LoadDriver implements AutoCloseable {
    /** Interval of the HdrHistogram log and of the progress of {@link #await()}. */
    public static final long INTERVAL_MS = 1000;
    /** Time an event loop group gets to shut down after the run. */
    private static final long SHUTDOWN_TIMEOUT_MS = 5000;
    /** Lead time before the first open-loop request, so the first connections are up when it is due. */
    private static final long OPEN_LOOP_LEAD_NS = 50_000_000L;

    private final LoadSpec spec;
    private final MultiThreadIoEventLoopGroup group;
    private final List<Lane> lanes = new ArrayList<>();
    /**
     * The interval log's start and base time: read before the recorders exist, whose first interval starts when
     * they are made, so that no interval of the log starts before its base time.
     */
    private final long createdMs = System.currentTimeMillis();
    private final Recorder ttft = new Recorder(Lane.HIGHEST_TRACKABLE_MICROS, 3);
    private final Recorder total = new Recorder(Lane.HIGHEST_TRACKABLE_MICROS, 3);
    private final Recorder refused = new Recorder(Lane.HIGHEST_TRACKABLE_MICROS, 3);
    private boolean awaited;

    private LoadDriver(LoadSpec spec) {
        this.spec = requireNonNull(spec, "spec");
        this.group = Transport.group(spec.threads(), "sluice-load");
    }

    /** Starts the run in the background and returns at once; {@link #await()} gives the result. */
    public static LoadDriver start(LoadSpec spec) {
        LoadDriver d = new LoadDriver(spec);
        try {
            d.startLanes();
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        return d;
    }

    /** Runs {@code spec} to the end and returns its result. */
    public static LoadResult run(LoadSpec spec) throws IOException, InterruptedException {
        try (LoadDriver d = start(spec)) {
            return d.await();
        }
    }

    private void startLanes() {
        byte[] requestBytes = RequestBytes.encode(spec);
        int n = spec.threads();
        long startNs = System.nanoTime() + (spec.openLoop() ? OPEN_LOOP_LEAD_NS : 0);
        double laneRate = spec.ratePerSecond() / n;
        for (int i = 0; i < n; i++) {
            EventLoop loop = group.next();
            ByteBuf request = Unpooled.directBuffer(requestBytes.length).writeBytes(requestBytes);
            int conns = share(spec.connections(), n, i);
            int maxConns = Math.max(conns, share(spec.maxConnections(), n, i));
            // Lanes interleave: lane i sends the requests i, i + n, i + 2n ... of the whole schedule.
            long offsetNs = spec.openLoop() ? (long) (i * 1e9 / spec.ratePerSecond()) : 0;
            lanes.add(new Lane(loop, spec.host(), spec.port(), request, spec.sse(), Math.max(conns, spec.openLoop()
                    ? 0 : 1), maxConns, laneRate, startNs, offsetNs, spec.warmupNs(), spec.durationNs(),
                    spec.drainTimeoutNs(), spec.maxIdleNs(), ttft, total, refused));
        }
        for (Lane lane : lanes) {
            lane.start();
        }
    }

    private static int share(int count, int parts, int index) {
        return count / parts + (index < count % parts ? 1 : 0);
    }

    /**
     * Waits for the run to end (warm-up, duration, then up to the drain timeout for the requests in flight) and
     * returns its result; writes the interval log along the way when the spec names one.
     */
    public LoadResult await() throws IOException, InterruptedException {
        if (awaited) {
            throw new IllegalStateException("await: already called");
        }
        awaited = true;
        CompletableFuture<Void> all = CompletableFuture.allOf(lanes.stream().map(Lane::done)
                .toArray(CompletableFuture[]::new));
        Histogram ttftAll = new Histogram(Lane.HIGHEST_TRACKABLE_MICROS, 3);
        Histogram totalAll = new Histogram(Lane.HIGHEST_TRACKABLE_MICROS, 3);
        Histogram refusedAll = new Histogram(Lane.HIGHEST_TRACKABLE_MICROS, 3);
        long limitNs = System.nanoTime() + spec.warmupNs() + spec.durationNs() + spec.drainTimeoutNs()
                + TimeUnit.SECONDS.toNanos(30);
        PrintStream logStream = null;
        HistogramLogWriter log = null;
        if (spec.hdrLog() != null) {
            logStream = new PrintStream(Files.newOutputStream(spec.hdrLog()), false, "US-ASCII");
            log = new HistogramLogWriter(logStream);
            log.outputLogFormatVersion();
            log.outputComment("sluice bench: " + spec.host() + ":" + spec.port() + spec.path()
                    + " values in microseconds; tags: total, ttft");
            log.outputStartTime(createdMs);
            log.setBaseTime(createdMs);
            log.outputLegend();
        }
        try {
            Histogram ttftInterval = null;
            Histogram totalInterval = null;
            Histogram refusedInterval = null;
            boolean finished = false;
            while (!finished) {
                try {
                    all.get(INTERVAL_MS, TimeUnit.MILLISECONDS);
                    finished = true;
                } catch (TimeoutException e) {
                    if (System.nanoTime() - limitNs > 0) {
                        throw new IllegalStateException("load run did not end in time");
                    }
                } catch (ExecutionException e) {
                    throw new IllegalStateException("load run failed", e.getCause());
                }
                ttftInterval = ttft.getIntervalHistogram(ttftInterval);
                totalInterval = total.getIntervalHistogram(totalInterval);
                ttftAll.add(ttftInterval);
                totalAll.add(totalInterval);
                refusedInterval = refused.getIntervalHistogram(refusedInterval);
                refusedAll.add(refusedInterval);
                if (log != null) {
                    totalInterval.setTag("total");
                    log.outputIntervalHistogram(totalInterval);
                    if (spec.sse() || ttftInterval.getTotalCount() > 0) {
                        ttftInterval.setTag("ttft");
                        log.outputIntervalHistogram(ttftInterval);
                    }
                }
            }
        } finally {
            if (logStream != null) {
                logStream.close();
            }
        }
        return result(ttftAll, totalAll, refusedAll);
    }

    private LoadResult result(Histogram ttftAll, Histogram totalAll, Histogram refusedAll) {
        long requests = 0;
        long warmup = 0;
        long opened = 0;
        Map<LoadError, Long> errors = new EnumMap<>(LoadError.class);
        Map<Integer, Long> statuses = new TreeMap<>();
        for (LoadError kind : LoadError.values()) {
            errors.put(kind, 0L);
        }
        for (Lane lane : lanes) {
            requests += lane.requests();
            warmup += lane.warmupRequests();
            opened += lane.connectionsOpened();
            for (LoadError kind : LoadError.values()) {
                errors.merge(kind, lane.errors(kind), Long::sum);
            }
            for (int s = 100; s < 600; s++) {
                long c = lane.status(s);
                if (c > 0) {
                    statuses.merge(s, c, Long::sum);
                }
            }
        }
        return new LoadResult(spec, requests, warmup, opened, errors, statuses, ttftAll, totalAll, refusedAll);
    }

    /** Stops the event loops (the run's connections are closed by then). */
    @Override
    public void close() {
        group.shutdownGracefully(0, SHUTDOWN_TIMEOUT_MS, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
