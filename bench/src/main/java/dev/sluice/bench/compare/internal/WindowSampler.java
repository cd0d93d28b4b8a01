package dev.sluice.bench.compare.internal;

import static java.util.Objects.requireNonNull;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Samples the processes of one measured run on its own daemon thread: CPU of the target's tree, of the upstream
 * and of this JVM (the load driver) from the end of the warm-up to {@link #finish()}, the target's peak resident
 * memory, and how busy the whole machine was, to tell how much CPU other work took meanwhile. The thread that
 * created it calls {@link #finish()}; the sampling thread is internal.
 */
public final class WindowSampler {
    /** Interval of the resident memory samples. */
    static final long RSS_INTERVAL_MS = 250;

    /** The figures of one window. CPU in seconds, memory in MiB, {@code otherCores} used by foreign work. */
    public record Window(double elapsedS, double targetCpuS, double upstreamCpuS, double driverCpuS,
                         double machineBusy, double otherCores, double targetRssPeakMb) {
    }

    private final List<Long> target;
    private final List<Long> upstream;
    private final List<Long> self = List.of(ProcessHandle.current().pid());
    private final Thread thread;
    private volatile boolean stop;
    private volatile long startNs;
    private volatile double target0;
    private volatile double upstream0;
    private volatile double self0;
    private volatile long[] machine0;
    private volatile long rssPeakKb;

    /** Starts sampling; the window opens {@code warmupNs} from now. */
    public WindowSampler(List<Long> target, List<Long> upstream, long warmupNs) {
        this.target = List.copyOf(requireNonNull(target, "target"));
        this.upstream = List.copyOf(requireNonNull(upstream, "upstream"));
        long openNs = System.nanoTime() + warmupNs;
        this.thread = new Thread(() -> sample(openNs), "compare-sampler");
        thread.setDaemon(true);
        open();
        thread.start();
    }

    private void open() {
        startNs = System.nanoTime();
        target0 = ProcStats.cpuSeconds(target);
        upstream0 = ProcStats.cpuSeconds(upstream);
        self0 = ProcStats.cpuSeconds(self);
        machine0 = ProcStats.machineJiffies();
    }

    private void sample(long openNs) {
        boolean opened = openNs - System.nanoTime() <= 0;
        while (!stop) {
            if (!opened && openNs - System.nanoTime() <= 0) {
                open();
                opened = true;
            }
            if (!target.isEmpty()) {
                rssPeakKb = Math.max(rssPeakKb, ProcStats.rssKb(target));
            }
            try {
                TimeUnit.MILLISECONDS.sleep(RSS_INTERVAL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Closes the window and returns its figures. */
    public Window finish() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join();
        double elapsedS = (System.nanoTime() - startNs) / 1e9;
        double t = ProcStats.cpuSeconds(target) - target0;
        double u = ProcStats.cpuSeconds(upstream) - upstream0;
        double d = ProcStats.cpuSeconds(self) - self0;
        double busy = ProcStats.busyFraction(machine0, ProcStats.machineJiffies());
        int cores = Runtime.getRuntime().availableProcessors();
        double other = busy * cores - (t + u + d) / Math.max(1e-3, elapsedS);
        if (!target.isEmpty()) {
            rssPeakKb = Math.max(rssPeakKb, ProcStats.rssKb(target));
        }
        return new Window(elapsedS, t, u, d, busy, other, rssPeakKb / 1024.0);
    }

    /**
     * Waits until processes other than {@code ours} use less than {@code maxCores} (the machine may be shared),
     * for at most {@code maxWaitS}; returns the cores the others used in the last one-second sample.
     */
    public static double awaitQuiet(List<Long> ours, double maxCores, long maxWaitS, PrintStream log)
            throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxWaitS);
        int cores = Runtime.getRuntime().availableProcessors();
        while (true) {
            long[] m0 = ProcStats.machineJiffies();
            double c0 = ProcStats.cpuSeconds(ours);
            TimeUnit.SECONDS.sleep(1);
            double others = ProcStats.busyFraction(m0, ProcStats.machineJiffies()) * cores
                    - (ProcStats.cpuSeconds(ours) - c0);
            if (others < maxCores || System.nanoTime() - deadlineNs > 0) {
                return others;
            }
            log.printf("   .. other processes use %.2f cores; waiting for a quiet machine%n", others);
        }
    }
}
