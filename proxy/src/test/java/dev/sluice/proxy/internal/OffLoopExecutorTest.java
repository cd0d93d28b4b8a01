package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.testsupport.SafetyNet;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** {@link OffLoopExecutor}: tasks in order on its thread, a bound that refuses, and a hand-over that never blocks. */
@Timeout(120)
class OffLoopExecutorTest {

    @Test
    void shouldRunTasksInOrderOnItsThreadAndRefuseThoseBeyondItsCapacity() throws Exception {
        List<Integer> order = new ArrayList<>();
        List<String> threads = new ArrayList<>();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (OffLoopExecutor executor = new OffLoopExecutor("sluice-test-worker", 16)) {
            executor.execute(() -> {
                running.countDown();
                awaitQuietly(release);
            });
            assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 16; i++) {
                int n = i;
                executor.execute(() -> {
                    order.add(n);
                    threads.add(Thread.currentThread().getName());
                });
            }
            assertThatThrownBy(() -> executor.execute(() -> order.add(-1)))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("16 tasks waiting");
            CountDownLatch drained = new CountDownLatch(16);
            for (int i = 0; i < 16; i++) {
                // Queued behind the 16: room for them comes as the worker drains.
                while (true) {
                    try {
                        executor.execute(drained::countDown);
                        break;
                    } catch (RejectedExecutionException full) {
                        release.countDown();
                        Thread.sleep(1);
                    }
                }
            }
            assertThat(drained.await(60, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(order).hasSize(16).isSorted();
        assertThat(threads).containsOnly("sluice-test-worker");
    }

    @Test
    void shouldRunWhatWasQueuedBeforeCloseAndRefuseWhatComesAfter() {
        AtomicLong ran = new AtomicLong();
        OffLoopExecutor executor = new OffLoopExecutor("sluice-test-worker", 64);
        for (int i = 0; i < 50; i++) {
            executor.execute(ran::incrementAndGet);
        }
        executor.close();
        assertThat(ran).hasValue(50);
        assertThatThrownBy(() -> executor.execute(ran::incrementAndGet))
            .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
    }

    @Test
    void shouldDropWhatWasQueuedOnCloseNowWithoutWaitingForTheRunningTask() throws Exception {
        AtomicLong ran = new AtomicLong();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        OffLoopExecutor executor = new OffLoopExecutor("sluice-test-worker", 64);
        try {
            executor.execute(() -> {
                running.countDown();
                awaitQuietly(release);
            });
            assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 10; i++) {
                executor.execute(ran::incrementAndGet);
            }
            executor.closeNow();
            assertThatThrownBy(() -> executor.execute(ran::incrementAndGet))
                .isInstanceOf(RejectedExecutionException.class).hasMessageContaining("closed");
        } finally {
            release.countDown();
        }
        executor.close(); // waits for the worker to end
        assertThat(ran).hasValue(0);
    }

    /**
     * An event loop hands over 200,000 tasks while the worker drains them: not one hand-over blocks (BlockHound, the
     * suite's safety net, fails a parked event loop), and every task runs once.
     */
    @Test
    void shouldTakeTasksFromAnEventLoopWithoutEverBlockingIt() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
            new DefaultThreadFactory("sluice-io-test", true), NioIoHandler.newFactory());
        try (OffLoopExecutor executor = new OffLoopExecutor("sluice-test-worker", 64)) {
            long[] handed = handOver(group, executor, 200_000);
            System.out.printf("200,000 tasks from an event loop: %d refused while the queue was full, retried;"
                + " blocking calls seen: %d%n", handed[1], SafetyNet.BLOCKING.size());
            assertThat(SafetyNet.BLOCKING).isEmpty();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Hands {@code total} counting tasks to {@code executor} from the event loop; answers {ran, refused}. */
    static long[] handOver(MultiThreadIoEventLoopGroup group, Executor executor, int total) throws Exception {
        AtomicLong ran = new AtomicLong();
        long[] refused = new long[1];
        CompletableFuture<Void> accepted = new CompletableFuture<>();
        Runnable[] batch = new Runnable[1];
        long[] next = new long[1];
        batch[0] = () -> {
            try {
                for (int i = 0; i < 1_000 && next[0] < total; i++) {
                    try {
                        executor.execute(ran::incrementAndGet);
                        next[0]++;
                    } catch (RejectedExecutionException full) {
                        refused[0]++;
                        break;
                    }
                }
                if (next[0] < total) {
                    group.next().execute(batch[0]);
                } else {
                    accepted.complete(null);
                }
            } catch (Throwable t) {
                accepted.completeExceptionally(t);
            }
        };
        group.next().execute(batch[0]);
        accepted.get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ran.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(ran).hasValue(total);
        return new long[] {ran.get(), refused[0]};
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
