package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import com.sun.management.GarbageCollectorMXBean;
import com.sun.management.GcInfo;

import io.netty.util.internal.PlatformDependent;

import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Watches heap and direct memory and tells {@link LoadControl} to refuse new requests while either is above the
 * configured share of its limit (RELIABILITY.md B3), so the gateway sheds load before an out-of-memory error
 * instead of failing with one. Heap is judged by what the last collection left in use (what is live), not by what
 * is in use now (which includes garbage a collection would free), and also by what the last collection of the old
 * generation left in it against the old generation's own limit: a generational collector thrashes once its old
 * generation is full, whatever the young one holds (with the parallel collector the old generation is two thirds of
 * the heap, so a full one is only two thirds of the heap's limit). Direct memory is judged by what Netty's buffers
 * and the JDK's direct buffers hold now. The refusal lifts once both are 5 points below the threshold. Runs on its own
 * agent thread, about four times a second (also when the guard is off: its sample feeds {@code /metrics}); the
 * request path reads one volatile field.
 */
final class MemoryGuard implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryGuard.class);
    private static final int HYSTERESIS_PERCENT = 5;
    private final LoadControl load;
    private final IntSupplier percent;
    private final List<GarbageCollectorMXBean> collectors =
            ManagementFactory.getPlatformMXBeans(GarbageCollectorMXBean.class);
    private final Set<String> heapPools = new HashSet<>();
    private final BufferPoolMXBean jdkDirect;
    private final long maxHeap = Runtime.getRuntime().maxMemory();
    /** The old generation's pool (PS Old Gen, G1 Old Gen, Tenured Gen, ...), or null when none is known by name. */
    private final MemoryPoolMXBean oldGeneration;

    /** @param percent the threshold, a share of each limit; 0 turns the guard off (read at every check) */
    MemoryGuard(LoadControl load, IntSupplier percent) {
        this.load = requireNonNull(load, "load");
        this.percent = requireNonNull(percent, "percent");
        MemoryPoolMXBean old = null;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p.getName());
                if ((p.getName().contains("Old") || p.getName().contains("Tenured"))
                        && p.isCollectionUsageThresholdSupported()) {
                    old = p;
                }
            }
        }
        this.oldGeneration = old;
        BufferPoolMXBean direct = null;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                direct = b;
            }
        }
        this.jdkDirect = direct;
    }

    @Override
    public int doWork() {
        long heapLive = heapAfterLastCollection();
        long maxDirect = PlatformDependent.maxDirectMemory();
        long nettyDirect = PlatformDependent.usedDirectMemory();
        long jdkDirectUsed = jdkDirect == null ? 0 : jdkDirect.getMemoryUsed();
        load.memorySample(heapLive, maxHeap, Math.max(0, nettyDirect) + jdkDirectUsed, maxDirect);
        int threshold = percent.getAsInt();
        if (threshold <= 0) {
            load.memoryShort(null);
            return 0;
        }
        int heapPct = percent(heapLive, maxHeap);
        int oldPct = 0;
        long oldMax = 0;
        if (oldGeneration != null) {
            MemoryUsage afterCollection = oldGeneration.getCollectionUsage();
            oldMax = oldGeneration.getUsage().getMax();
            oldPct = afterCollection == null ? 0 : percent(afterCollection.getUsed(), oldMax);
        }
        int directPct = Math.max(percent(nettyDirect, maxDirect), percent(jdkDirectUsed, maxDirect));
        String was = load.memoryShort();
        int limit = was == null ? threshold : threshold - HYSTERESIS_PERCENT;
        if (heapPct >= limit || oldPct >= limit || directPct >= limit) {
            if (was == null) {
                String why = heapPct >= limit
                        ? "heap in use after the last collection is " + heapPct + "% of its " + mib(maxHeap) + " MiB"
                        : oldPct >= limit ? "the old generation after its last collection is " + oldPct + "% of its "
                        + mib(oldMax) + " MiB"
                        : "direct memory in use is " + directPct + "% of its " + mib(maxDirect) + " MiB";
                LOG.warn("memory guard: refusing new requests (503 overloaded) while {} (server.memory_guard_percent"
                        + " is {})", why, threshold);
                load.memoryShort("memory is short: " + why);
            }
        } else if (was != null) {
            LOG.info("memory guard: serving new requests again (heap {}%, old generation {}%, direct {}%)", heapPct,
                    oldPct, directPct);
            load.memoryShort(null);
        }
        return 0;
    }

    /** Heap in use when the most recent collection ended, or 0 before the first one. */
    private long heapAfterLastCollection() {
        GcInfo latest = null;
        for (GarbageCollectorMXBean c : collectors) {
            GcInfo info = c.getLastGcInfo();
            if (info != null && (latest == null || info.getEndTime() > latest.getEndTime())) {
                latest = info;
            }
        }
        if (latest == null) {
            return 0;
        }
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : latest.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                used += e.getValue().getUsed();
            }
        }
        return used;
    }

    private static int percent(long used, long max) {
        return used <= 0 || max <= 0 ? 0 : (int) Math.min(100, used * 100 / max);
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    @Override
    public String roleName() {
        return "sluice-memory-guard";
    }
}
