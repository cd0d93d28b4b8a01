package dev.sluice.journal.internal;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signs interval seals off the writers' threads: an Ed25519 signature costs tens of microseconds and allocates,
 * which an event loop appending a record in a fraction of a microsecond must not pay. A writer hands over a chain
 * head ({@link Chain#countRecord}); the signature comes back to its chain, and the writer appends the seal with its
 * next record. One agent thread ({@code sluice-sealer}) per journal drains a bounded lock-free queue: a writer never
 * waits for a lock (a queue shared with a consumer under a lock would park an event loop now and then), and a head
 * that finds the queue full is simply sealed by a later one.
 * <p>
 * Thread-safe.
 */
public final class Sealer implements Agent, AutoCloseable {
    /** Heads waiting to be signed at most. */
    static final int MAX_QUEUED = 256;
    /** How long the agent sleeps when no head waits: a seal may lag by this much, which costs nothing. */
    static final long IDLE_SLEEP_MS = 1;

    private static final Logger LOG = LoggerFactory.getLogger(Sealer.class);

    private final ManyToOneConcurrentArrayQueue<Runnable> tasks = new ManyToOneConcurrentArrayQueue<>(MAX_QUEUED);
    private final AgentRunner runner;

    public Sealer() {
        this.runner = new AgentRunner(new SleepingMillisIdleStrategy(IDLE_SLEEP_MS), Sealer::onError, null, this);
        AgentRunner.startOnThread(runner, r -> {
            Thread t = new Thread(r);
            // A journal left open (a crashed test, a killed gateway) must not keep the JVM alive for its sealer.
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code task} (a chain's own signing task) without blocking; dropped when the queue is full. */
    void submit(Runnable task) {
        tasks.offer(task);
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
        runner.close();
    }
}
