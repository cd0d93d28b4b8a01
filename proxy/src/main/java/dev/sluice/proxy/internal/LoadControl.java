package dev.sluice.proxy.internal;

import dev.sluice.routing.config.ClientLimits;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * What the client listener holds right now against its caps (RELIABILITY.md B2-B4): open connections, requests in
 * flight, and whether memory is short ({@link MemoryGuard}). A request that would pass a cap is refused at its head
 * with 503 {@code overloaded}, at the cost of one atomic increment and one volatile read. Thread-safe.
 */
public final class LoadControl {
    private static final Logger LOG = LoggerFactory.getLogger(LoadControl.class);
    /** How often the memory guard looks at heap and direct memory. */
    static final long MEMORY_CHECK_INTERVAL_MS = 250;
    static final String IN_FLIGHT_FULL = "the gateway is serving as many requests as it is configured to"
            + " (server.max_in_flight)";
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Why new requests are refused for memory, or {@code null} while there is enough. */
    private volatile String memoryShort;
    /** The memory guard's last sample: heap live after the last collection, direct memory in use, and limits. */
    private volatile long heapLiveBytes;
    private volatile long heapMaxBytes;
    private volatile long directUsedBytes;
    private volatile long directMaxBytes;

    /** Counts a new client connection; returns how many are open with it. */
    int connectionOpened() {
        return connections.incrementAndGet();
    }

    void connectionClosed() {
        connections.decrementAndGet();
    }

    /**
     * Takes a slot for a new request and returns {@code null}, or returns why it cannot be served now (nothing
     * taken). A taken slot is given back with {@link #leave()}.
     */
    String enter(ClientLimits limits) {
        String m = memoryShort;
        if (m != null) {
            return m;
        }
        if (inFlight.incrementAndGet() > limits.maxInFlight()) {
            inFlight.decrementAndGet();
            return IN_FLIGHT_FULL;
        }
        return null;
    }

    void leave() {
        inFlight.decrementAndGet();
    }

    /**
     * Starts the {@link MemoryGuard} on a thread of its own; closing the returned runner stops it.
     *
     * @param percent the threshold (a share of each limit, 0: off), read at every check so a reload changes it
     */
    public AgentRunner watchMemory(IntSupplier percent) {
        ErrorHandler onError = t -> LOG.error("memory guard: check failed", t);
        AgentRunner runner = new AgentRunner(new SleepingMillisIdleStrategy(MEMORY_CHECK_INTERVAL_MS), onError, null,
                new MemoryGuard(this, percent));
        AgentRunner.startOnThread(runner);
        return runner;
    }

    /** Sets why memory is short ({@code null}: it no longer is); the memory guard's thread calls it. */
    void memoryShort(String why) {
        memoryShort = why;
    }

    /** Records the memory guard's sample (for {@code /metrics}). */
    void memorySample(long heapLive, long heapMax, long directUsed, long directMax) {
        heapLiveBytes = heapLive;
        heapMaxBytes = heapMax;
        directUsedBytes = directUsed;
        directMaxBytes = directMax;
    }

    public long heapLiveBytes() {
        return heapLiveBytes;
    }

    public long heapMaxBytes() {
        return heapMaxBytes;
    }

    public long directUsedBytes() {
        return directUsedBytes;
    }

    public long directMaxBytes() {
        return directMaxBytes;
    }

    /** Why new requests are refused for memory, or {@code null}. */
    public String memoryShort() {
        return memoryShort;
    }

    public int connections() {
        return connections.get();
    }

    public int inFlight() {
        return inFlight.get();
    }
}
