package dev.sluice.proxy.internal;

import dev.sluice.routing.config.ClientLimits;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
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
    /**
     * Descriptors kept out of the client connections' share besides one per request in flight (each may hold an
     * upstream connection): the journal's files, listeners, the JVM's own, Redis.
     */
    static final int RESERVED_DESCRIPTORS = 256;
    private final AtomicInteger connections = new AtomicInteger();
    /** {@code server.max_connections} as it can be held with this process's descriptors ({@link #capConnections}). */
    private volatile int connectionCap = ClientLimits.DEFAULT_MAX_CONNECTIONS;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Why new requests are refused for memory, or {@code null} while there is enough. */
    private volatile String memoryShort;
    /** The memory guard's last sample: heap live after the last collection, direct memory in use, and limits. */
    private volatile long heapLiveBytes;
    private volatile long heapMaxBytes;
    private volatile long directUsedBytes;
    private volatile long directMaxBytes;

    /**
     * Sets the connection cap in force from {@code limits} and this process's descriptor limit, and returns it: the
     * configured {@code max_connections}, lowered when the descriptors left after {@link #RESERVED_DESCRIPTORS} and
     * one per request in flight cannot hold it (but never below half the descriptors). A cap above what the process
     * can open would let clients take the descriptors upstream connections and the journal need.
     */
    public int capConnections(ClientLimits limits) {
        connectionCap = connectionCap(limits.maxConnections(), limits.maxInFlight(), descriptorLimit());
        return connectionCap;
    }

    static int connectionCap(int configured, int maxInFlight, long descriptorLimit) {
        long room = Math.max(descriptorLimit / 2, descriptorLimit - RESERVED_DESCRIPTORS - maxInFlight);
        return (int) Math.max(1, Math.min(configured, room));
    }

    /** The most descriptors this process may have open, or {@code Long.MAX_VALUE} where the JVM does not say. */
    static long descriptorLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            long max = ((com.sun.management.UnixOperatingSystemMXBean) os).getMaxFileDescriptorCount();
            return max > 0 ? max : Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    /** The connection cap in force: past it a new connection displaces an idle one or is closed. */
    public int connectionCap() {
        return connectionCap;
    }

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
