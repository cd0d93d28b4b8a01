package dev.sluice.proxy.internal;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process and the JVM it runs in, in the names Prometheus's client libraries use ({@code process_*},
 * {@code jvm_*}): CPU time, resident memory, open files, start time, heap and non-heap, buffer pools, threads,
 * classes, collections. Reads {@code /proc/self/statm} where there is one, so it is rendered off the event loops.
 * Thread-safe (stateless).
 */
final class ProcessMetrics {
    private static final Path STATM = Path.of("/proc/self/statm");
    /** Linux's page size on the machines Sluice runs on (statm counts pages). */
    private static final long PAGE_BYTES = 4096;

    private ProcessMetrics() {
    }

    static void render(MetricsText m) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            long cpuNs = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
            if (cpuNs >= 0) {
                m.family("process_cpu_seconds_total", "counter", "CPU time the process used, user and system.")
                        .sample("process_cpu_seconds_total", cpuNs / 1e9);
            }
        }
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean) {
            com.sun.management.UnixOperatingSystemMXBean unix = (com.sun.management.UnixOperatingSystemMXBean) os;
            m.family("process_open_fds", "gauge", "File descriptors the process has open.")
                    .sample("process_open_fds", unix.getOpenFileDescriptorCount());
            m.family("process_max_fds", "gauge", "The most file descriptors the process may open.")
                    .sample("process_max_fds", unix.getMaxFileDescriptorCount());
        }
        long[] statm = statm();
        if (statm != null) {
            m.family("process_virtual_memory_bytes", "gauge", "Virtual memory size of the process.")
                    .sample("process_virtual_memory_bytes", statm[0] * PAGE_BYTES);
            m.family("process_resident_memory_bytes", "gauge", "Resident memory of the process (heap, direct "
                    + "buffers, the journal's mapped pages it touched, code).")
                    .sample("process_resident_memory_bytes", statm[1] * PAGE_BYTES);
        }
        m.family("process_start_time_seconds", "gauge", "When the process started, in seconds since the epoch.")
                .sample("process_start_time_seconds", ManagementFactory.getRuntimeMXBean().getStartTime() / 1e3);

        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        m.family("jvm_memory_used_bytes", "gauge", "Memory the JVM uses, by area.")
                .sample("jvm_memory_used_bytes", heap.getUsed(), "area", "heap")
                .sample("jvm_memory_used_bytes", nonHeap.getUsed(), "area", "nonheap");
        m.family("jvm_memory_committed_bytes", "gauge", "Memory the JVM has from the system, by area.")
                .sample("jvm_memory_committed_bytes", heap.getCommitted(), "area", "heap")
                .sample("jvm_memory_committed_bytes", nonHeap.getCommitted(), "area", "nonheap");
        m.family("jvm_memory_max_bytes", "gauge", "The most memory the JVM may use, by area (-1: no limit).")
                .sample("jvm_memory_max_bytes", heap.getMax(), "area", "heap")
                .sample("jvm_memory_max_bytes", nonHeap.getMax(), "area", "nonheap");
        m.family("jvm_buffer_pool_used_bytes", "gauge", "Bytes in the JVM's buffer pools (direct: the network "
                + "buffers; mapped: the journal's files).");
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            m.sample("jvm_buffer_pool_used_bytes", pool.getMemoryUsed(), "pool", pool.getName());
        }
        m.family("jvm_threads_current", "gauge", "Live threads of the JVM.")
                .sample("jvm_threads_current", ManagementFactory.getThreadMXBean().getThreadCount());
        m.family("jvm_threads_daemon", "gauge", "Live daemon threads of the JVM.")
                .sample("jvm_threads_daemon", ManagementFactory.getThreadMXBean().getDaemonThreadCount());
        m.family("jvm_classes_currently_loaded", "gauge", "Classes loaded in the JVM now.")
                .sample("jvm_classes_currently_loaded", ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        m.family("jvm_gc_collection_seconds", "summary", "Time the JVM spent in garbage collections, by collector.");
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            m.sample("jvm_gc_collection_seconds_count", Math.max(0, gc.getCollectionCount()), "gc", gc.getName());
            m.sample("jvm_gc_collection_seconds_sum", Math.max(0, gc.getCollectionTime()) / 1e3, "gc", gc.getName());
        }
    }

    /** Size and resident pages from {@code /proc/self/statm}, or {@code null} where there is none. */
    private static long[] statm() {
        try {
            String[] f = new String(Files.readAllBytes(STATM), StandardCharsets.US_ASCII).trim().split(" ");
            return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
