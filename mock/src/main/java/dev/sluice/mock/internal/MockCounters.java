package dev.sluice.mock.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what the mock provider received: TCP connections accepted, and requests (whole request read) per
 * model named in the body. Counts are never reset by clearing records.
 *
 * <p>Thread-safe.
 */
public final class MockCounters {
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, LongAdder> requestsByModel = new ConcurrentHashMap<>();

    /** Counts one accepted connection. */
    public void connectionAccepted() {
        connections.incrementAndGet();
    }

    /** Counts one request naming {@code model} (ignored when null). */
    public void requestReceived(final String model) {
        if (model != null) {
            requestsByModel.computeIfAbsent(model, m -> new LongAdder()).increment();
        }
    }

    /** Returns the connections accepted so far. */
    public long connectionCount() {
        return connections.get();
    }

    /** Returns the requests received so far that named {@code model}. */
    public long requestCount(final String model) {
        final LongAdder n = requestsByModel.get(model);
        return n == null ? 0 : n.sum();
    }
}
