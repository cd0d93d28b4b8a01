package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.ProducerRing;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread's way into the journal. {@code append} encodes a record straight into this producer's ring
 * (no allocation, no lock, no system call unless the journal thread is parked) and returns the position to wait
 * for; the journal thread copies it into the queue file shortly after. A position is durable once the record is
 * in the memory-mapped file, which survives the process being killed. When the ring is full, {@code append}
 * returns {@link #FULL} and writes nothing: the caller must refuse the request (fail closed).
 * <p>
 * Confined to the thread that first appends (the gateway: one event loop); durable waiters run on the executor
 * given to {@link Journal#newProducer}, which must run tasks on that same thread. {@link #isDurable} and the
 * counters may be read from any thread.
 */
public final class JournalProducer {
    /** Returned by {@code append} when the ring is full (or the journal is closed): nothing was written. */
    public static final long FULL = -1;

    private static final Logger LOG = LoggerFactory.getLogger(JournalProducer.class);

    private final Journal journal;
    private final ProducerRing ring;
    private final OneToOneRingBuffer buffer;
    private final ChronicleWrites direct;
    private UnsafeBuffer scratch;
    private long directAppended;
    private long directFailures;
    private Thread owner;

    /** A producer that hands records to the journal thread through its ring ({@link JournalMode#HANDOFF}). */
    JournalProducer(Journal journal, ProducerRing ring) {
        this.journal = journal;
        this.ring = ring;
        this.buffer = ring.ring();
        this.direct = null;
    }

    /** A producer that appends to the queue itself ({@link JournalMode#DIRECT}). */
    JournalProducer(Journal journal, ChronicleWrites direct) {
        this.journal = journal;
        this.ring = null;
        this.buffer = null;
        this.direct = direct;
        this.scratch = new UnsafeBuffer(new byte[16 * 1024]);
    }

    /**
     * Appends a request record; its values are copied before this returns.
     *
     * @return the position to pass to {@link #isDurable}/{@link #whenDurable}, or {@link #FULL}
     */
    public long append(RequestRecord record) {
        requireNonNull(record, "record");
        if (!journal.acceptsRequests()) {
            // Low on disk space or an append failed: a new request is refused before it touches the queue file;
            // the records of requests in flight still go in (the free-space threshold is their room).
            countRefusal();
            return FULL;
        }
        return appendEncoded(record);
    }

    /**
     * Appends an end record; its values are copied before this returns.
     *
     * @return the position to pass to {@link #isDurable}/{@link #whenDurable}, or {@link #FULL}
     */
    public long append(EndRecord record) {
        return appendEncoded(requireNonNull(record, "record"));
    }

    /**
     * Appends a captured part of an answer; its bytes are copied before this returns.
     *
     * @return the position to pass to {@link #isDurable}/{@link #whenDurable}, or {@link #FULL}
     */
    public long append(ResponsePartRecord record) {
        return appendEncoded(requireNonNull(record, "record"));
    }

    private void countRefusal() {
        if (direct != null) {
            directFailures++;
        } else {
            ring.countFull();
        }
    }

    private long appendEncoded(EncodedRecord record) {
        checkOwner();
        if (direct != null) {
            return appendDirect(record);
        }
        if (journal.isClosed()) {
            ring.countFull();
            return FULL;
        }
        int length = record.encodedLength();
        // The journal thread learns where the meta ends from the message type (every meta is longer than 0).
        int index = buffer.tryClaim(ChronicleWrites.messageType(length - record.bodyLength(), record.bodyDigestOnly()),
            length);
        if (index < 0) {
            ring.countFull();
            return FULL;
        }
        try {
            record.encode(buffer.buffer(), index);
        } catch (RuntimeException e) {
            buffer.abort(index);
            throw e;
        }
        return commit(index);
    }

    private long appendDirect(EncodedRecord record) {
        if (journal.isClosed()) {
            directFailures++;
            return FULL;
        }
        int length = record.encodedLength();
        if (scratch.capacity() < length) {
            scratch = new UnsafeBuffer(new byte[Math.max(length, scratch.capacity() * 2)]);
        }
        record.encode(scratch, 0);
        try {
            int metaLength = length - record.bodyLength();
            byte[] bytes = scratch.byteArray();
            direct.append(bytes, 0, metaLength, bytes, metaLength, length - metaLength, record.bodyDigestOnly());
        } catch (RuntimeException e) {
            // Fail closed: the caller refuses the request; the document was rolled back, nothing half-written.
            journal.onAppendFailure();
            long failures = ++directFailures;
            if (failures == 1 || Long.bitCount(failures) == 1) {
                LOG.error("journal append failed ({} failures so far)", failures, e);
            }
            return FULL;
        }
        return ++directAppended;
    }

    private long commit(int index) {
        buffer.commit(index);
        // This thread is the only producer: the tail is exactly the end of the record just committed.
        long position = buffer.producerPosition();
        ring.afterCommit();
        return position;
    }

    /** Whether the record ending at {@code position} is in the journal file. False for {@link #FULL}. */
    public boolean isDurable(long position) {
        if (direct != null) {
            return position >= 0;
        }
        return ring.isDurable(position);
    }

    /**
     * Arranges for {@code task} to run on this producer's executor once {@code position} is durable.
     *
     * @return true when the position is durable already: then the task is NOT run and the caller goes on at
     *     once; false when the task was queued
     * @throws IllegalArgumentException for {@link #FULL} or another negative position
     */
    public boolean whenDurable(long position, Runnable task) {
        requireNonNull(task, "task");
        if (position < 0) {
            throw new IllegalArgumentException("position: " + position + " (expected: a position append returned)");
        }
        checkOwner();
        if (direct != null) {
            return true;
        }
        return ring.whenDurable(position, task);
    }

    /** Records this producer appended. */
    public long appendedRecords() {
        return direct != null ? directAppended : ring.appendedRecords();
    }

    /** Appends refused with {@link #FULL}. */
    public long fullRejections() {
        return direct != null ? directFailures : ring.fullRejections();
    }

    /** Waiters queued and not run yet (producer thread). */
    public int pendingWaiters() {
        return direct != null ? 0 : ring.pendingWaiters();
    }

    /** Bytes of the ring. */
    public int capacityBytes() {
        return direct != null ? 0 : buffer.capacity();
    }

    /** The largest encoded record this producer takes: the ring's, or a quarter of its partition's mapping block. */
    public int maxRecordBytes() {
        return direct != null ? (int) Math.min(Integer.MAX_VALUE, journal.blockBytes() / 4) : buffer.maxMsgLength();
    }

    /**
     * Seals this producer's partition and releases its appender (direct mode; the journal thread seals its own).
     * Called by the journal's close, once the producer's thread appends no more.
     */
    void sealAndClose() {
        if (direct != null) {
            direct.rebindToCallingThread();
            direct.sealAndClose();
        }
    }

    private void checkOwner() {
        Thread current = Thread.currentThread();
        if (owner != current) {
            if (owner != null) {
                throw new IllegalStateException("producer used from " + current.getName()
                    + " (expected: " + owner.getName() + ", the thread that first used it)");
            }
            owner = current;
            if (direct != null) {
                // Chronicle binds an appender to one thread; the producer was made on the gateway's main thread.
                direct.rebindToCallingThread();
            }
        }
    }
}
