package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.codec.Clock;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** {@link ConfigAgent}: one thread, commands in order, a bounded queue that refuses rather than grows. */
class ConfigAgentTest {
    @Test
    void shouldRunCommandsInOrderOnItsThreadAndRefuseThoseBeyondTheBound() throws Exception {
        try (ConfigAgent agent = new ConfigAgent(Clock.SYSTEM)) {
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<String> busy = agent.submit(() -> {
                running.countDown();
                release.await(60, TimeUnit.SECONDS);
                return Thread.currentThread().getName();
            });
            assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
            // The agent is busy: the queue fills up to its bound, then refuses.
            List<Integer> order = new ArrayList<>();
            List<CompletableFuture<Integer>> queued = new ArrayList<>();
            for (int i = 0; i < ConfigAgent.MAX_QUEUED; i++) {
                int n = i;
                queued.add(agent.submit(() -> {
                    order.add(n);
                    return n;
                }));
            }
            CompletableFuture<Integer> refused = agent.submit(() -> -1);
            assertThat(refused).isCompletedExceptionally();
            assertThatThrownBy(refused::get).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RejectedExecutionException.class);

            release.countDown();
            assertThat(busy.get(60, TimeUnit.SECONDS)).isEqualTo(ConfigAgent.THREAD_NAME);
            for (CompletableFuture<Integer> f : queued) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertThat(order).hasSize(ConfigAgent.MAX_QUEUED).isSorted();
            assertThat(agent.submit(() -> agent.inAgentThread()).get(60, TimeUnit.SECONDS)).isTrue();
            assertThat(agent.inAgentThread()).isFalse();
        }
    }

    @Test
    void shouldRefuseToPublishASnapshotFromAnyOtherThread() throws Exception {
        GatewayContext context = new GatewayContext(null);
        try (ConfigAgent agent = new ConfigAgent(Clock.SYSTEM)) {
            context.agent(agent);
            assertThatThrownBy(() -> context.config(null)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("configuration agent only");
            agent.submit(() -> {
                context.config(null);
                return null;
            }).get(60, TimeUnit.SECONDS);
        }
    }
}
