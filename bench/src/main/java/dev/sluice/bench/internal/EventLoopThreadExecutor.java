package dev.sluice.bench.internal;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.FastThreadLocalThread;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor JMH runs benchmark threads on ({@code -Djmh.executor=CUSTOM}): Netty
 * {@code FastThreadLocalThread}s, like the gateway's event loops, so the allocators' thread caches and Netty's
 * object recyclers behave as they do in the gateway (Netty 4.2 gives plain threads no allocation cache by default).
 * Unlike event loops they wait for their next task on the pool's queue, so they say that blocking is permitted
 * (a blocking-call detector such as BlockHound would otherwise report the wait).
 * Thread-safe.
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {
    /** The constructor JMH calls reflectively: at most {@code maxThreads} threads named after {@code prefix}. */
    public EventLoopThreadExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new PoolThreadFactory(prefix));
    }

    /** Makes the pool's threads: FastThreadLocalThreads that may block between tasks. */
    private static final class PoolThreadFactory extends DefaultThreadFactory {
        PoolThreadFactory(String prefix) {
            super(prefix, true);
        }

        @Override
        protected Thread newThread(Runnable r, String name) {
            return new FastThreadLocalThread(threadGroup, r, name) {
                @Override
                public boolean permitBlockingCalls() {
                    return true;
                }
            };
        }
    }
}
