package dev.sluice.mock.internal;

import dev.sluice.mock.MockRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * Keeps the most recent {@code maxRecords} request records, oldest dropped first, so a provider
 * that runs for days inside the gateway does not grow without bound.
 *
 * <p>Thread-safe: event loops add and update entries while test threads take snapshots.
 */
public final class MockRecorder {
    private final int maxRecords;
    private final AtomicLong sequence = new AtomicLong();
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();

    /**
     * @param maxRecords how many records to keep (at least 1)
     */
    public MockRecorder(final int maxRecords) {
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords: " + maxRecords + " (expected: >= 1)");
        }
        this.maxRecords = maxRecords;
    }

    /** Starts a record for a request just received and returns the handle that updates it. */
    public Entry begin(final String testId, final String method, final String path,
        final Map<String, String> headers, final byte[] body, final long receivedAtNs) {
        final String seq = Long.toString(sequence.incrementAndGet());
        final String id = testId == null || testId.isEmpty() ? seq : testId;
        final Entry entry = new Entry(new MockRecord(id, method, path, headers, body, receivedAtNs, 0, 0, false,
            false, -1L));
        synchronized (entries) {
            entries.addLast(entry);
            while (entries.size() > maxRecords) {
                entries.removeFirst();
            }
        }
        return entry;
    }

    /** Returns the current snapshot of every kept record, oldest first. */
    public List<MockRecord> snapshot() {
        final List<MockRecord> out;
        synchronized (entries) {
            out = new ArrayList<>(entries.size());
            for (final Entry e : entries) {
                out.add(e.current());
            }
        }
        return List.copyOf(out);
    }

    /** Forgets every record; entries of requests still in flight keep updating but are no longer listed. */
    public void clear() {
        synchronized (entries) {
            entries.clear();
        }
    }

    /**
     * One request's record, replaced atomically on each change.
     *
     * <p>Thread-safe.
     */
    public static final class Entry {
        private final AtomicReference<MockRecord> ref;

        Entry(final MockRecord initial) {
            this.ref = new AtomicReference<>(initial);
        }

        /** Returns the latest snapshot. */
        public MockRecord current() {
            return ref.get();
        }

        /** Replaces the snapshot with {@code change} applied to it. */
        public void update(final UnaryOperator<MockRecord> change) {
            ref.updateAndGet(change);
        }
    }
}
