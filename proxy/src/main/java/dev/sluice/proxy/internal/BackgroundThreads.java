package dev.sluice.proxy.internal;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

/**
 * Gives the event loops a core first. On Linux the JVM's JIT compiler threads (and JDK 17's code sweeper), its native
 * heap trimmer and the gateway's housekeeping threads run at a higher nice value than the event loops, so a core they
 * share goes to an event loop when it wakes instead of to a compilation that happens to hold it: on a gateway with
 * one core, a C2 compilation kept it for up to 16 ms while refusals and relayed tokens waited (bench/RESULTS.md,
 * "Refusal time: the core's other threads").
 * <p>
 * The threads are found by name in {@code /proc/self/task} (the kernel keeps the first 15 characters of a Java
 * thread's name) and lowered with {@code setpriority(2)}, which takes a thread id on Linux and needs no privilege
 * to lower a priority. A thread is never raised: one already at this nice value or above is left alone. What it
 * leaves at the priority it started with: the event loops ({@code sluice-io-*}, and the built-in mock provider's
 * {@code sluice-mock-*}, which answer requests too), the journal's hand-off writer ({@code sluice-journal}, which the
 * event loops may wait for), the memory guard, the collector and the VM thread (every thread waits for them in a
 * pause anyway), Redis's client threads (on the request path with shared counters). Threads started later (a
 * compiler thread the JVM adds, an executor started on first use) are found by the next call; {@code sluice serve}
 * makes one every 10 s.
 * <p>
 * Elsewhere than on Linux, or without the native binding, or with {@code server.background_nice: 0}, it does
 * nothing. Not thread-safe: one caller (the serving command's main thread).
 */
public final class BackgroundThreads {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundThreads.class);
    /** {@code setpriority(2)}'s {@code which} for a process id, and on Linux for a thread id. */
    private static final int PRIO_PROCESS = 0;
    private static final Path TASKS = Path.of("/proc/self/task");

    /** The C library's {@code setpriority(2)}. Public for the binding's generated class. */
    public interface LibC {
        int setpriority(int which, int who, int prio);
    }

    private final int nice;
    private final Predicate<String> yields;
    private final LibC libc;
    private boolean warned;

    BackgroundThreads(int nice, Predicate<String> yields, LibC libc) {
        this.nice = nice;
        this.yields = yields;
        this.libc = libc;
    }

    /**
     * The gateway's background threads, to be lowered to {@code nice} (1-19; 0 turns it off) by {@link #lowerNew}.
     */
    public static BackgroundThreads of(int nice) {
        return new BackgroundThreads(nice, BackgroundThreads::yieldsToEventLoops, nice == 0 ? null : libc());
    }

    /** The C library's binding, or null where there is none (not Linux, or no native support). */
    static LibC libc() {
        if (!System.getProperty("os.name", "").startsWith("Linux") || !Files.isDirectory(TASKS)) {
            return null;
        }
        try {
            return LibraryLoader.create(LibC.class).load("c");
        } catch (RuntimeException | LinkageError e) {
            LOG.info("thread priorities left as they are (no native binding: {})", e.toString());
            return null;
        }
    }

    /**
     * Whether a thread, by the name the kernel keeps for it ({@code /proc/<pid>/task/<tid>/comm}: 15 characters at
     * most), is one that yields to the event loops.
     */
    static boolean yieldsToEventLoops(String comm) {
        if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")
                || comm.equals("Sweeper thread") || comm.startsWith("Native Heap Tri")) {
            return true;
        }
        return comm.startsWith("sluice-") && !comm.startsWith("sluice-io-") && !comm.startsWith("sluice-mock-")
                && !comm.equals("sluice-journal") && !comm.startsWith("sluice-memory")
                && !comm.equals("sluice-shutdown");
    }

    /**
     * Lowers the matching threads that run above the nice value (those started since the last call, and any a
     * caller raised); returns how many this call lowered. Never throws.
     */
    public int lowerNew() {
        if (libc == null) {
            return 0;
        }
        int lowered = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                if (lower(task)) {
                    lowered++;
                }
            }
        } catch (IOException | RuntimeException e) {
            warnOnce("cannot list this process's threads: " + e);
        }
        return lowered;
    }

    private boolean lower(Path task) {
        String comm;
        int current;
        try {
            comm = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
            if (!yields.test(comm)) {
                return false;
            }
            current = niceOf(Files.readString(task.resolve("stat"), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException gone) {
            return false;   // the thread ended between the listing and the read
        }
        if (current >= nice) {
            return false;
        }
        int tid = Integer.parseInt(task.getFileName().toString());
        if (libc.setpriority(PRIO_PROCESS, tid, nice) != 0) {
            warnOnce("setpriority(" + comm + ", " + nice + ") failed: errno "
                    + LastError.getLastError(Runtime.getRuntime(libc)));
            return false;
        }
        return true;
    }

    /** The nice value in a {@code /proc/<pid>/task/<tid>/stat} line: the 17th field after the name's ")". */
    public static int niceOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Integer.parseInt(f[16]);
    }

    private void warnOnce(String what) {
        if (!warned) {
            warned = true;
            LOG.warn("background threads keep their priority: {}", what);
        }
    }
}
