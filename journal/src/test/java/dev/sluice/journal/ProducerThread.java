package dev.sluice.journal;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A single named thread standing in for an event loop: it owns a producer and runs its durable waiters. */
final class ProducerThread implements AutoCloseable {
    final ExecutorService executor;
    volatile Thread thread;

    ProducerThread(String name) {
        executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    <T> T call(Callable<T> task) throws Exception {
        return executor.submit(task).get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
