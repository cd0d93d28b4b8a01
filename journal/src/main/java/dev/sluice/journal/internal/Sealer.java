package dev.sluice.journal.internal;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Signs interval seals off the writers' threads: an Ed25519 signature costs tens of microseconds and allocates,
 * which an event loop appending a record in a fraction of a microsecond must not pay. A writer hands over a chain
 * head ({@link Chain#sealLater}); the signature comes back to its chain, and the writer appends the seal with its
 * next record. One thread ({@code sluice-sealer}) per journal, a bounded queue; a head that finds the queue full is
 * simply sealed by a later one.
 * <p>
 * Thread-safe.
 */
public final class Sealer implements AutoCloseable {
    /** Heads waiting to be signed at most. */
    static final int MAX_QUEUED = 256;

    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
        new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
            Thread t = new Thread(r, "sluice-sealer");
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.DiscardPolicy());

    /** Queues {@code task} (a chain's own signing task); dropped when the queue is full or the sealer closed. */
    void submit(Runnable task) {
        executor.execute(task);
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
