package dev.sluice.journal.internal;

import java.util.Arrays;

import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ControlledMessageHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal thread: the only writer of the queue. Each duty cycle drains every producer's ring into the
 * queue, one document per record, then lets the ring's consumer position advance (which is what makes those
 * records durable to their producers) and hands durable waiters to their producers. A record whose write fails
 * stays in its ring and is retried, so the ring fills and producers are refused (fail closed) rather than told
 * that a lost record is durable.
 * <p>
 * {@link #doWork()}, {@link #onStart()} and {@link #onClose()} run on the journal thread; {@link #add},
 * {@link #hasWork()} and the counters are thread-safe.
 */
public final class JournalAgent implements Agent {
    /** Records drained from one ring per duty cycle, so one busy producer cannot starve the others. */
    public static final int DRAIN_LIMIT = 256;

    private static final Logger LOG = LoggerFactory.getLogger(JournalAgent.class);
    private static final ProducerRing[] NONE = new ProducerRing[0];

    private final SingleChronicleQueue queue;
    private final Chain chain;
    private final Runnable onWriteFailure;
    private final ControlledMessageHandler handler = this::onRecord;
    private volatile ProducerRing[] rings = NONE;
    private volatile boolean closing;
    private volatile boolean halted;
    private volatile boolean paused;
    private volatile long appendedRecords;
    private volatile long writeFailures;
    private ChronicleWrites writes;
    private boolean failedThisCycle;

    private final ParkingIdleStrategy idle;

    /** @param onWriteFailure runs on the journal thread after each failed document write */
    public JournalAgent(SingleChronicleQueue queue, Chain chain, Runnable onWriteFailure) {
        this.queue = queue;
        this.chain = chain;
        this.onWriteFailure = onWriteFailure;
        this.idle = new ParkingIdleStrategy(this::hasWork);
    }

    /** The idle strategy to run this agent with. */
    public ParkingIdleStrategy idleStrategy() {
        return idle;
    }

    /** Registers a producer ring; it is drained from the next duty cycle on. */
    public synchronized void add(ProducerRing ring) {
        ProducerRing[] next = Arrays.copyOf(rings, rings.length + 1);
        next[rings.length] = ring;
        rings = next;
    }

    @Override
    public void onStart() {
        idle.bindToCurrentThread();
        writes = new ChronicleWrites(queue, chain);
    }

    @Override
    public int doWork() {
        if (paused) {
            return 0;
        }
        int work = 0;
        failedThisCycle = false;

        for (ProducerRing ring : rings) {
            int drained = ring.ring().controlledRead(handler, DRAIN_LIMIT);
            if (drained > 0) {
                work += drained;
                ring.afterDrain();
            }
        }
        // After a failure, report no work so the idle strategy backs off before the retry.
        return failedThisCycle ? 0 : work;
    }

    private ControlledMessageHandler.Action onRecord(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
        if (failedThisCycle) {
            return ControlledMessageHandler.Action.ABORT;
        }
        try {
            // The producer described the record's meta and body in the message type (ChronicleWrites.messageType).
            writes.append(buffer, index, msgTypeId, length);
        } catch (RuntimeException | Error e) {
            failedThisCycle = true;
            onWriteFailure.run();
            long failures = writeFailures + 1;
            writeFailures = failures;
            if (failures == 1 || Long.bitCount(failures) == 1) {
                LOG.error("journal write failed ({} failures so far); records stay in the ring", failures, e);
            }
            return ControlledMessageHandler.Action.ABORT;
        }
        appendedRecords = appendedRecords + 1;
        return ControlledMessageHandler.Action.CONTINUE;
    }

    /** Whether a ring holds records not yet drained, or the agent is closing (then it must not park). */
    public boolean hasWork() {
        if (closing) {
            return true;
        }
        for (ProducerRing ring : rings) {
            if (ring.ring().producerPosition() > ring.ring().consumerPosition()) {
                return true;
            }
        }
        return false;
    }

    /** Stops parking from now on and wakes the thread, so a close does not wait for a park timeout. */
    public void beginClose() {
        closing = true;
        idle.wakeAlways();
    }

    /** Makes {@link #onClose()} skip the final drain: simulates a crash (tests). */
    public void halt() {
        halted = true;
        beginClose();
    }

    /** Stops or resumes draining (tests: lets a ring fill up). */
    public void paused(boolean paused) {
        this.paused = paused;
        idle.wakeAlways();
    }

    @Override
    public void onClose() {
        try {
            if (!halted && writes != null) {
                paused = false;
                // Drain until every ring is empty or a write keeps failing.
                int work;
                do {
                    work = doWork();
                } while (work > 0);
            }
        } finally {
            if (writes != null) {
                if (halted) {
                    writes.close();
                } else {
                    writes.sealAndClose();
                }
            }
        }
    }

    /** Records written to the queue. */
    public long appendedRecords() {
        return appendedRecords;
    }

    /** Failed document writes (each one is retried). */
    public long writeFailures() {
        return writeFailures;
    }

    @Override
    public String roleName() {
        return "sluice-journal";
    }
}
