package dev.sluice.bench.internal;

import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The executor JMH runs benchmark threads on ({@code -Djmh.executor=CUSTOM}): Netty
 * {@code FastThreadLocalThread}s, like the gateway's event loops, so the allocators' thread caches and Netty's
 * object recyclers behave as they do in the gateway (Netty 4.2 gives plain threads no allocation cache by default).
 * Thread-safe.
 */
public final class EventLoopThreadExecutor extends ThreadPoolExecutor {
    /** The constructor JMH calls reflectively: at most {@code maxThreads} threads named after {@code prefix}. */
    public EventLoopThreadExecutor(int maxThreads, String prefix) {
        super(maxThreads, maxThreads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
