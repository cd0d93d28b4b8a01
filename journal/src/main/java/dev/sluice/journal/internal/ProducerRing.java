package dev.sluice.journal.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One producer's side of the journal: a single-producer ring in direct memory that the journal thread drains,
 * plus the producer's durable waiters. A position is durable once the ring's consumer position has passed it,
 * because the journal thread advances that position only after the records are in the queue file.
 * <p>
 * Ring writes, {@link #whenDurable} and {@link #runDurableWaiters()} are confined to the producer thread;
 * {@link #afterDrain()} to the journal thread; {@link #isDurable} and the counters are thread-safe.
 */
public final class ProducerRing {
    private static final Logger LOG = LoggerFactory.getLogger(ProducerRing.class);
    private static final VarHandle LONG_ARRAY = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int INITIAL_WAITERS = 16;

    private final OneToOneRingBuffer ring;
    private final Executor executor;
    private final ParkingIdleStrategy journalIdle;
    private final AtomicBoolean wakeupScheduled = new AtomicBoolean();
    private final Runnable runWaiters = this::runDurableWaiters;
    private volatile boolean waitersPending;
    private long[] waiterPositions = new long[INITIAL_WAITERS];
    private Runnable[] waiterTasks = new Runnable[INITIAL_WAITERS];
    private int waiterCount;
    // [0] appended, [1] full rejections, [2] rejected wake-ups: single writer each, read anywhere.
    private final long[] counters = new long[3];

    public ProducerRing(int capacityBytes, Executor executor, ParkingIdleStrategy journalIdle) {
        ByteBuffer memory = ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH);
        this.ring = new OneToOneRingBuffer(new UnsafeBuffer(memory));
        this.executor = executor;
        this.journalIdle = journalIdle;
    }

    /** The ring (producer side: tryClaim/commit; journal side: controlledRead). */
    public OneToOneRingBuffer ring() {
        return ring;
    }

    /** Called by the producer after a commit: wakes the journal thread only if it is parked. */
    public void afterCommit() {
        increment(0);
        // Orders the ring's release store before the read of the parked flag (store-load).
        VarHandle.fullFence();
        journalIdle.wake();
    }

    /** Counts a record refused because the ring was full (producer thread). */
    public void countFull() {
        increment(1);
    }

    /** Whether everything up to {@code position} is in the journal file. */
    public boolean isDurable(long position) {
        return position >= 0 && ring.consumerPosition() >= position;
    }

    /**
     * Runs {@code task} on the producer's executor once {@code position} is durable; returns true without
     * running it when the position is durable already. Producer thread only.
     */
    public boolean whenDurable(long position, Runnable task) {
        if (isDurable(position)) {
            return true;
        }
        if (waiterCount == waiterPositions.length) {
            waiterPositions = Arrays.copyOf(waiterPositions, waiterCount * 2);
            waiterTasks = Arrays.copyOf(waiterTasks, waiterCount * 2);
        }
        waiterPositions[waiterCount] = position;
        waiterTasks[waiterCount] = task;
        waiterCount++;
        waitersPending = true;
        // Re-check after publishing: the journal thread may have drained between the first check and the
        // flag, and then it would not have seen the flag.
        if (isDurable(position)) {
            waiterCount--;
            waiterTasks[waiterCount] = null;
            waitersPending = waiterCount > 0;
            return true;
        }
        return false;
    }

    /** Journal thread, after draining this ring: hand the waiter run to the producer's executor if needed. */
    public void afterDrain() {
        if (waitersPending && wakeupScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(runWaiters);
            } catch (RejectedExecutionException e) {
                wakeupScheduled.set(false);
                increment(2);
            }
        }
    }

    /** Runs every waiter whose position is durable, in registration order. Producer thread only. */
    public void runDurableWaiters() {
        wakeupScheduled.set(false);
        long durable = ring.consumerPosition();
        int kept = 0;
        int count = waiterCount;
        for (int i = 0; i < count; i++) {
            long position = waiterPositions[i];
            Runnable task = waiterTasks[i];
            if (position <= durable) {
                waiterTasks[i] = null;
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("durable waiter failed", e);
                }
            } else {
                waiterPositions[kept] = position;
                waiterTasks[kept] = task;
                if (kept != i) {
                    waiterTasks[i] = null;
                }
                kept++;
            }
        }
        // A task may have registered new waiters while we ran (they were appended after `count`).
        for (int i = count; i < waiterCount; i++) {
            waiterPositions[kept] = waiterPositions[i];
            waiterTasks[kept] = waiterTasks[i];
            waiterTasks[i] = null;
            kept++;
        }
        waiterCount = kept;
        waitersPending = kept > 0;
    }

    /** Waiters not yet run (producer thread). */
    public int pendingWaiters() {
        return waiterCount;
    }

    /** Records committed to this ring. */
    public long appendedRecords() {
        return (long) LONG_ARRAY.getOpaque(counters, 0);
    }

    /** Records refused because the ring was full. */
    public long fullRejections() {
        return (long) LONG_ARRAY.getOpaque(counters, 1);
    }

    /** Waiter runs the executor refused (e.g. it was shut down). */
    public long rejectedWakeups() {
        return (long) LONG_ARRAY.getOpaque(counters, 2);
    }

    private void increment(int index) {
        LONG_ARRAY.setOpaque(counters, index, (long) LONG_ARRAY.getOpaque(counters, index) + 1);
    }
}
