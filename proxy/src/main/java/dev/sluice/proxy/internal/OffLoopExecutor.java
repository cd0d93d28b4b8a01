package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named thread running, in order, the tasks event loops hand it (admin operations, journal reads). Handing a
 * task over never waits: a bounded lock-free queue and an unpark, where a {@code ThreadPoolExecutor}'s queue lock,
 * shared with its worker, parks an event loop now and then. A full queue refuses at once.
 * <p>
 * Thread-safe: {@link #execute} from any thread; tasks run on the worker.
 */
public final class OffLoopExecutor implements Executor, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OffLoopExecutor.class);
    /** How long {@link #close} lets the queued tasks finish. */
    static final long CLOSE_WAIT_MS = 2_000;

    private final ManyToOneConcurrentArrayQueue<Runnable> tasks;
    private final Thread worker;
    private volatile boolean closed;

    /** Starts the worker thread {@code threadName} (a daemon); at most {@code capacity} tasks wait. */
    public OffLoopExecutor(String threadName, int capacity) {
        tasks = new ManyToOneConcurrentArrayQueue<>(capacity);
        worker = new Thread(this::run, requireNonNull(threadName, "threadName"));
        worker.setDaemon(true);
        worker.start();
    }

    /** Queues {@code task}; throws {@link RejectedExecutionException} when the queue is full or this is closed. */
    @Override
    public void execute(Runnable task) {
        requireNonNull(task, "task");
        if (closed || !tasks.offer(task)) {
            throw new RejectedExecutionException(worker.getName() + ": " + (closed ? "closed"
                : tasks.capacity() + " tasks waiting"));
        }
        LockSupport.unpark(worker);
    }

    private void run() {
        while (true) {
            Runnable task = tasks.poll();
            if (task == null) {
                if (closed) {
                    return;
                }
                // A task queued between the poll and here left a permit: park returns at once.
                LockSupport.park(this);
                continue;
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: task failed", worker.getName(), e);
            }
        }
    }

    /**
     * Refuses new tasks, drops the queued ones and interrupts the worker without waiting for it (a task running on
     * it ends when it ends: the thread is a daemon).
     */
    public void closeNow() {
        closed = true;
        tasks.clear();
        worker.interrupt();
        LockSupport.unpark(worker);
    }

    /** Refuses new tasks, lets the queued ones finish for up to {@link #CLOSE_WAIT_MS}, then interrupts the worker. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(worker);
        try {
            worker.join(CLOSE_WAIT_MS);
            if (worker.isAlive()) {
                worker.interrupt();
                worker.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
