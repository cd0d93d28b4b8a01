package dev.sluice.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops the processes tests start (child gateways, redis-server, the Node SDK check, npm) together with every
 * process they started in turn. Thread-safe (stateless).
 */
final class ChildProcesses {
    /** How long a process may take to exit after SIGTERM before it gets SIGKILL. */
    static final long GRACE_MS = 10_000;
    /** How long to wait for a process to be gone after SIGKILL. */
    private static final long KILL_WAIT_MS = 10_000;

    private ChildProcesses() {
    }

    /**
     * SIGTERM to {@code process} and its descendants, up to {@code graceMs} for them to exit, then SIGKILL to what
     * is left. Returns once all have exited; does nothing for a process that already exited.
     *
     * @throws IllegalStateException when a process is still alive after SIGKILL
     */
    static void stop(Process process, long graceMs) {
        List<ProcessHandle> tree = tree(process);
        tree.forEach(ProcessHandle::destroy);
        awaitExit(tree, graceMs, true);
        kill(tree);
    }

    /** SIGKILL to {@code process} and its descendants (no shutdown hook runs); returns once all have exited. */
    static void kill(Process process) {
        kill(tree(process));
    }

    private static void kill(List<ProcessHandle> tree) {
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, KILL_WAIT_MS, false);
        for (ProcessHandle h : tree) {
            if (h.isAlive()) {
                throw new IllegalStateException("process " + h.pid() + " still runs after SIGKILL: "
                        + h.info().commandLine().orElse("?"));
            }
        }
    }

    /** The descendants (taken now: once the parent dies they are no longer its descendants) and the process. */
    private static List<ProcessHandle> tree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        return tree;
    }

    /**
     * Waits until every process of {@code tree} exited or {@code timeoutMs} passed. When the caller is interrupted
     * (a test timeout) it stops waiting if {@code stopOnInterrupt}, else waits on; the interrupt is kept either way.
     */
    private static void awaitExit(List<ProcessHandle> tree, long timeoutMs, boolean stopOnInterrupt) {
        boolean interrupted = !stopOnInterrupt && Thread.interrupted();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            for (int i = 0; i < tree.size(); i++) {
                try {
                    tree.get(i).onExit().get(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                    if (stopOnInterrupt) {
                        return;
                    }
                    i--;
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
