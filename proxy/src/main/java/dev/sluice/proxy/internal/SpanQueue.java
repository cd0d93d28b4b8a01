package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The span processor between the event loops and the collector: a span that ends is offered to a bounded lock-free
 * queue (never a wait; when it is full the span is dropped and counted), and one thread of its own takes batches of
 * up to {@link #BATCH} from it, at least once a second, and exports each, waiting at most the export timeout. A
 * collector that is slow or gone fills the queue and costs the requests nothing. Thread-safe.
 */
final class SpanQueue implements SpanProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(SpanQueue.class);
    static final int BATCH = 512;
    private static final long IDLE_NS = TimeUnit.SECONDS.toNanos(1);

    private final SpanExporter exporter;
    private final Clock clock;
    private final ManyToOneConcurrentArrayQueue<SpanData> queue;
    private final long timeoutMs;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder exported = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final Thread worker;
    private volatile boolean closed;
    private volatile long lastFailureLogNs;

    SpanQueue(SpanExporter exporter, int capacity, long timeoutMs, Clock clock) {
        this.exporter = exporter;
        this.clock = clock;
        this.queue = new ManyToOneConcurrentArrayQueue<>(capacity);
        this.timeoutMs = timeoutMs;
        this.worker = new Thread(this::run, "sluice-trace-export");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void onStart(Context parentContext, ReadWriteSpan span) {
    }

    @Override
    public boolean isStartRequired() {
        return false;
    }

    @Override
    public void onEnd(ReadableSpan span) {
        if (!span.getSpanContext().isSampled()) {
            return;
        }
        if (closed || !queue.offer(span.toSpanData())) {
            dropped.increment();
            return;
        }
        if (queue.size() >= BATCH) {
            LockSupport.unpark(worker);
        }
    }

    @Override
    public boolean isEndRequired() {
        return true;
    }

    long dropped() {
        return dropped.sum();
    }

    long exported() {
        return exported.sum();
    }

    long failed() {
        return failed.sum();
    }

    private void run() {
        List<SpanData> batch = new ArrayList<>(BATCH);
        while (true) {
            queue.drain(batch::add, BATCH);
            if (batch.isEmpty()) {
                if (closed) {
                    return;
                }
                LockSupport.parkNanos(this, IDLE_NS);
                continue;
            }
            export(batch);
            batch.clear();
        }
    }

    private void export(List<SpanData> batch) {
        CompletableResultCode result;
        try {
            result = exporter.export(batch).join(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofFailure();
        }
        if (result.isSuccess()) {
            exported.add(batch.size());
            return;
        }
        failed.add(batch.size());
        long now = clock.nanoTime();
        if (now - lastFailureLogNs > TimeUnit.MINUTES.toNanos(1)) {
            lastFailureLogNs = now;
            LOG.warn("traces: the collector did not take {} spans (timeout {} ms); spans failed so far: {}",
                    batch.size(), timeoutMs, failed.sum());
        }
    }

    @Override
    public CompletableResultCode forceFlush() {
        LockSupport.unpark(worker);
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        closed = true;
        LockSupport.unpark(worker);
        try {
            worker.join(timeoutMs + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exporter.shutdown();
    }
}
