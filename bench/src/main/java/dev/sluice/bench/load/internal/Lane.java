package dev.sluice.bench.load.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.bench.internal.Transport;
import dev.sluice.bench.load.LoadError;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The share of a load run that one event loop drives: its connections, its request schedule and its counters.
 * Closed loop: a fixed set of connections, each sending its next request as soon as the previous response ended.
 * Open loop: request {@code i} is due at {@code startNs + offsetNs + i * periodNs}; it goes out on an idle
 * connection, and when none is idle the lane opens another (up to its cap) while the request waits. Latency is
 * always measured from the intended send time, so time spent waiting for a connection is not hidden
 * (coordinated omission). Requests intended before the warm-up end are counted apart and not recorded.
 *
 * <p>Every method but {@link #start()}, {@link #done()} and the counter getters (read after {@link #done()}
 * completed) is confined to the lane's event loop.
 */
public final class Lane {
    /** Histogram range: 1 µs to one hour, 3 significant digits. */
    public static final long HIGHEST_TRACKABLE_MICROS = 3_600_000_000L;
    /** Wait before reopening a connection that failed without a response, so a dead target is not hammered. */
    static final long RECONNECT_BACKOFF_NS = 100_000_000L;

    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final String host;
    private final int port;
    private final ByteBuf request;
    private final boolean sse;
    private final int connections;
    private final int maxConnections;
    private final boolean openLoop;
    private final long startNs;
    private final long offsetNs;
    private final double periodNs;
    private final long warmupEndNs;
    private final long endNs;
    private final long drainTimeoutNs;
    /** A pooled connection idle longer is closed, not reused (the server may be closing it at that moment). */
    private final long maxIdleNs;
    private final long lastIndex;
    private final Recorder ttft;
    private final Recorder total;
    private final Recorder refused;
    private final Histogram warmupTotal = new Histogram(HIGHEST_TRACKABLE_MICROS, 3);
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    private final ArrayDeque<LoadConnection> idle = new ArrayDeque<>();
    private final Set<LoadConnection> live = new HashSet<>();
    private final Runnable tickTask = this::tick;
    private int open;
    private int connecting;
    private int inFlight;
    private long nextIndex;
    private boolean stopped;
    private boolean finished;

    private long requests;
    private long warmupRequests;
    private long opened;
    private final long[] errors = new long[LoadError.values().length];
    private final long[] statuses = new long[600];

    /**
     * A lane on {@code loop}. {@code request} is the encoded request; the lane takes ownership and releases it
     * when it finishes. {@code ratePerSecond} 0 means closed loop over {@code connections} connections;
     * otherwise the lane's requests are due every {@code 1e9 / ratePerSecond} ns from {@code startNs + offsetNs}.
     */
    public Lane(EventLoop loop, String host, int port, ByteBuf request, boolean sse, int connections,
                int maxConnections, double ratePerSecond, long startNs, long offsetNs, long warmupNs, long durationNs,
                long drainTimeoutNs, long maxIdleNs, Recorder ttft, Recorder total, Recorder refused) {
        this.loop = requireNonNull(loop, "loop");
        this.host = requireNonNull(host, "host");
        this.port = port;
        this.request = requireNonNull(request, "request");
        this.sse = sse;
        this.connections = connections;
        this.maxConnections = Math.max(1, maxConnections);
        this.openLoop = ratePerSecond > 0;
        this.startNs = startNs;
        this.offsetNs = offsetNs;
        this.periodNs = openLoop ? 1e9 / ratePerSecond : 0;
        this.warmupEndNs = startNs + warmupNs;
        this.endNs = warmupEndNs + durationNs;
        this.drainTimeoutNs = drainTimeoutNs;
        this.maxIdleNs = maxIdleNs;
        this.lastIndex = openLoop ? indicesBefore(endNs) : 0;
        this.ttft = requireNonNull(ttft, "ttft");
        this.total = requireNonNull(total, "total");
        this.refused = requireNonNull(refused, "refused");
        this.bootstrap = new Bootstrap().group(loop).channel(Transport.clientChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5000)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LoadConnection(Lane.this));
                    }
                });
    }

    /** Number of open-loop indices whose intended time is before {@code tNs}. */
    private long indicesBefore(long tNs) {
        long k = (long) Math.ceil((tNs - startNs - offsetNs) / periodNs);
        k = Math.max(0, k);
        while (k > 0 && intended(k - 1) - tNs >= 0) {
            k--;
        }
        while (intended(k) - tNs < 0) {
            k++;
        }
        return k;
    }

    private long intended(long index) {
        return startNs + offsetNs + (long) (index * periodNs);
    }

    /** Opens the connections and schedules the run; callable from any thread. */
    public void start() {
        loop.execute(() -> {
            for (int i = 0; i < connections; i++) {
                connect();
            }
            if (openLoop) {
                loop.schedule(tickTask, Math.max(0, startNs + offsetNs - System.nanoTime()), TimeUnit.NANOSECONDS);
            }
            loop.schedule(this::stop, Math.max(0, endNs - System.nanoTime()), TimeUnit.NANOSECONDS);
        });
    }

    /** Completes when the lane has finished: every request answered, failed or timed out, connections closed. */
    public CompletableFuture<Void> done() {
        return done;
    }

    boolean sse() {
        return sse;
    }

    ByteBuf request() {
        return request;
    }

    private void connect() {
        open++;
        connecting++;
        opened++;
        ChannelFuture f = bootstrap.connect(host, port);
        f.addListener(cf -> {
            connecting--;
            if (!cf.isSuccess()) {
                open--;
                countError(LoadError.CONNECT, System.nanoTime());
                if (!openLoop && !finished && System.nanoTime() - endNs < 0) {
                    loop.schedule(this::reconnect, RECONNECT_BACKOFF_NS, TimeUnit.NANOSECONDS);
                }
                maybeFinish();
            }
        });
    }

    private void reconnect() {
        if (!finished && System.nanoTime() - endNs < 0) {
            connect();
        }
    }

    void connected(LoadConnection c) {
        live.add(c);
        if (finished) {
            c.abandon();
            return;
        }
        long nowNs = System.nanoTime();
        if (openLoop) {
            becameIdle(c, nowNs);
        } else if (nowNs - endNs < 0) {
            c.send(nowNs);
        } else {
            c.abandon();
        }
    }

    void requestSent() {
        inFlight++;
    }

    void requestEnded() {
        inFlight--;
    }

    void responded(LoadConnection c, long intendedNs, long firstNs, long nowNs, int status, boolean streamOk,
                   boolean reusable) {
        inFlight--;
        if (intendedNs - warmupEndNs < 0) {
            warmupRequests++;
            warmupTotal.recordValue(micros(nowNs - intendedNs));
        } else {
            requests++;
            if (status >= 0 && status < statuses.length) {
                statuses[status]++;
            }
            if (status / 100 != 2) {
                // A refusal (503 overloaded, 429) is timed apart: how fast the excess is turned away.
                errors[LoadError.STATUS.ordinal()]++;
                refused.recordValue(micros(nowNs - intendedNs));
            } else {
                if (!streamOk) {
                    errors[LoadError.STREAM.ordinal()]++;
                }
                total.recordValue(micros(nowNs - intendedNs));
                if (firstNs != 0) {
                    ttft.recordValue(micros(firstNs - intendedNs));
                }
            }
        }
        if (reusable) {
            if (openLoop) {
                becameIdle(c, nowNs);
            } else if (nowNs - endNs < 0 && !finished) {
                c.send(nowNs);
            }
        }
        maybeFinish();
    }

    void failed(LoadError kind) {
        inFlight--;
        countError(kind, System.nanoTime());
        maybeFinish();
    }

    void closed(LoadConnection c) {
        open--;
        live.remove(c);
        idle.remove(c);
        if (finished) {
            return;
        }
        long nowNs = System.nanoTime();
        if (!openLoop) {
            if (nowNs - endNs < 0) {
                if (c.responses() > 0) {
                    connect();
                } else {
                    loop.schedule(this::reconnect, RECONNECT_BACKOFF_NS, TimeUnit.NANOSECONDS);
                }
            }
        } else {
            dispatchDue(nowNs);
        }
        maybeFinish();
    }

    private void countError(LoadError kind, long nowNs) {
        if (nowNs - warmupEndNs >= 0) {
            errors[kind.ordinal()]++;
        }
    }

    private void becameIdle(LoadConnection c, long nowNs) {
        if (nextIndex < lastIndex && intended(nextIndex) - nowNs <= 0) {
            c.send(intended(nextIndex++));
        } else if (stopped) {
            c.abandon();
        } else {
            c.idleSince(nowNs);
            idle.push(c);
        }
    }

    private void tick() {
        if (finished) {
            return;
        }
        long nowNs = System.nanoTime();
        long due = dispatchDue(nowNs);
        if (due < lastIndex) {
            loop.schedule(tickTask, Math.max(0, intended(due) - nowNs), TimeUnit.NANOSECONDS);
        }
    }

    /** Sends the due requests on idle connections, opens connections for the rest; returns the due count. */
    private long dispatchDue(long nowNs) {
        long due = indicesBefore(nowNs + 1);
        due = Math.min(due, lastIndex);
        // The pool is last-in first-out: the connections idle longest are at its end.
        for (LoadConnection c; (c = idle.peekLast()) != null && nowNs - c.idleSinceNs() > maxIdleNs; ) {
            idle.pollLast();
            c.abandon();
        }
        while (nextIndex < due) {
            LoadConnection c = idle.pollFirst();
            if (c == null) {
                break;
            }
            c.send(intended(nextIndex++));
        }
        long waiting = due - nextIndex;
        while (waiting > connecting && open < maxConnections) {
            connect();
        }
        return due;
    }

    private void stop() {
        stopped = true;
        if (openLoop) {
            dispatchDue(System.nanoTime());
        }
        if (!openLoop || nextIndex >= lastIndex) {
            for (LoadConnection c; (c = idle.pollFirst()) != null; ) {
                c.abandon();
            }
        }
        maybeFinish();
        if (!finished) {
            loop.schedule(this::drainTimedOut, drainTimeoutNs, TimeUnit.NANOSECONDS);
        }
    }

    private void drainTimedOut() {
        if (finished) {
            return;
        }
        errors[LoadError.TIMEOUT.ordinal()] += inFlight + Math.max(0, lastIndex - nextIndex);
        nextIndex = lastIndex;
        finish();
    }

    private void maybeFinish() {
        if (stopped && !finished && inFlight == 0 && (!openLoop || nextIndex >= lastIndex)) {
            finish();
        }
    }

    private void finish() {
        finished = true;
        idle.clear();
        List<LoadConnection> all = new ArrayList<>(live);
        for (LoadConnection c : all) {
            c.abandon();
        }
        inFlight = 0;
        request.release();
        done.complete(null);
    }

    private static long micros(long ns) {
        long us = ns / 1000;
        return us < 0 ? 0 : Math.min(us, HIGHEST_TRACKABLE_MICROS);
    }

    /** Measured responses (any status), after the warm-up. Read after {@link #done()}. */
    public long requests() {
        return requests;
    }

    /** Responses to requests intended during the warm-up (not recorded). Read after {@link #done()}. */
    public long warmupRequests() {
        return warmupRequests;
    }

    /** Connections opened, including reconnects. Read after {@link #done()}. */
    public long connectionsOpened() {
        return opened;
    }

    /** Errors of {@code kind} after the warm-up. Read after {@link #done()}. */
    public long errors(LoadError kind) {
        return errors[kind.ordinal()];
    }

    /** Responses with {@code status} after the warm-up. Read after {@link #done()}. */
    public long status(int status) {
        return status >= 0 && status < statuses.length ? statuses[status] : 0;
    }
}
