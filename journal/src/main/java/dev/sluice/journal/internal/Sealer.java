package dev.sluice.journal.internal;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs interval seals off the writers' threads: an Ed25519 signature costs tens of microseconds and allocates,
 * which an event loop appending a record in a fraction of a microsecond must not pay. A writer hands over a chain
 * head ({@link Chain#countRecord}); the signature comes back to its chain, and the writer appends the seal with its
 * next record. One agent thread ({@code sluice-sealer}) per journal drains a bounded lock-free queue: a writer never
 * waits for a lock (a queue shared with a consumer under a lock would park an event loop now and then), and a head
 * that finds the queue full is simply sealed by a later one. The agent parks until a head is handed over: seals come
 * at most one a second per partition, so an agent that woke on a timer would cost a wake-up per millisecond on the
 * cores the event loops need, for nothing.
 * <p>
 * Thread-safe.
 */
public final class Sealer implements Agent, AutoCloseable {
    /** Heads waiting to be signed at most. */
    static final int MAX_QUEUED = 256;
    /** Longest park of the agent; a handed-over head wakes it at once. */
    static final long MAX_PARK_NS = 1_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);

    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(MAX_QUEUED);
    private volatile boolean closing;
    private final ParkingIdleStrategy idle = new ParkingIdleStrategy(() -> closing || !tasks.isEmpty(), 0, 0,
            MAX_PARK_NS);
    private final AgentRunner runner;

    public Sealer() {
        this.runner = new AgentRunner(idle, Sealer::onError, null, this);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r);
            // A journal left open (a crashed test, a killed gateway) must not keep the JVM alive for its sealer.
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code task} (a chain's own signing task) without blocking; dropped when the queue is full. */
    void submit(Runnable task) {
        if (tasks.offer(task)) {
            idle.wake();   // the offer's compare-and-set is the fence wake() asks for
        }
    }

    @Override
    public void onStart() {
        idle.bindToCurrentThread();
    }

    @Override
    public int doWork() {
        return tasks.drain(Runnable::run);
    }

    @Override
    public String roleName() {
        return "sluice-sealer";
    }

    private static void onError(Throwable t) {
        LOG.error("journal sealer error", t);
    }

    @Override
    public void close() {
        closing = true;   // from now on the agent does not park, so the close does not wait for a park to end
        idle.wakeAlways();
        runner.close();
    }
}
