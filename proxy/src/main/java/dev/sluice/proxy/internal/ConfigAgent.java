package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The one owner of the running configuration. Every change to it (a file edit seen by the watch, {@code SIGHUP},
 * {@code POST /admin/reload}, a key created or revoked through the admin API, keys changed in Redis by another
 * gateway) is a command on this agent's bounded queue, run one at a time on its own thread
 * ({@value #THREAD_NAME}): the next snapshot is built and validated there, its provider hosts resolved there
 * (never on an event loop), and published there through {@link GatewayContext}'s one volatile reference. Nothing
 * else writes that reference, so a reload and a key change never undo each other, and nothing needs a lock.
 * <p>
 * File events are coalesced: the reload runs once {@link #DEBOUNCE_MS} of quiet followed the last event (editors
 * write in several steps). A full queue refuses a command (its future fails) instead of growing without bound.
 * <p>
 * Thread-safe: commands may be submitted from any thread; they run on the agent's.
 */
public final class ConfigAgent implements AutoCloseable {
    /** Quiet time after the last file event before the file is read. */
    public static final long DEBOUNCE_MS = 200;
    /** Commands waiting at most; more are refused. */
    public static final int MAX_QUEUED = 64;
    /** The agent thread's name. */
    public static final String THREAD_NAME = "sluice-config";

    private static final Logger LOG = LoggerFactory.getLogger(ConfigAgent.class);
    private static final Runnable FILE_CHANGED = () -> { };
    private static final Runnable STOP = () -> { };

    private final BlockingQueue<Runnable> commands = new ArrayBlockingQueue<>(MAX_QUEUED);
    private final Thread thread;
    private final Clock clock;
    private volatile Runnable fileReload = () -> { };

    /** Starts the agent's thread; {@code clock} times the quiet after file events. */
    public ConfigAgent(Clock clock) {
        this.clock = clock;
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /** What a file event leads to, once the file has been quiet for {@link #DEBOUNCE_MS}: a reload of the file. */
    public void onFileChange(Runnable reload) {
        this.fileReload = reload;
    }

    /**
     * Runs {@code change} on the agent's thread, after the commands before it; the future completes with its
     * result or its exception. When the queue is full the future fails at once with a
     * {@link RejectedExecutionException}. From the agent's own thread, {@code change} runs at once.
     */
    public <T> CompletableFuture<T> submit(Callable<T> change) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable command = () -> {
            try {
                result.complete(change.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        };
        if (inAgentThread()) {
            command.run();
        } else if (!commands.offer(command)) {
            result.completeExceptionally(new RejectedExecutionException("the configuration agent has "
                    + MAX_QUEUED + " commands waiting; try again"));
        }
        return result;
    }

    /**
     * Notes a change of the configuration file: the reload runs {@link #DEBOUNCE_MS} after the last such note. A
     * note that finds the queue full is dropped, since the reload already waiting covers it.
     */
    public void fileChanged() {
        commands.offer(FILE_CHANGED);
    }

    /** Whether the caller is the agent's thread (the only one that may publish a snapshot). */
    public boolean inAgentThread() {
        return Thread.currentThread() == thread;
    }

    private void run() {
        long reloadAtNs = 0;
        boolean reloadDue = false;
        while (true) {
            Runnable c;
            try {
                c = reloadDue ? commands.poll(Math.max(0, reloadAtNs - clock.nanoTime()), TimeUnit.NANOSECONDS)
                        : commands.take();
            } catch (InterruptedException e) {
                return;
            }
            if (c == STOP) {
                return;
            }
            if (c == FILE_CHANGED) {
                reloadDue = true;
                reloadAtNs = clock.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEBOUNCE_MS);
                continue;
            }
            if (c != null) {
                runSafely(c);
            }
            if (reloadDue && reloadAtNs - clock.nanoTime() <= 0) {
                reloadDue = false;
                runSafely(fileReload);
            }
        }
    }

    private static void runSafely(Runnable c) {
        try {
            c.run();
        } catch (RuntimeException e) {
            LOG.warn("configuration change failed: {}", e.toString());
        }
    }

    /** Stops the agent after the commands already queued; waits for it briefly. */
    @Override
    public void close() {
        if (!commands.offer(STOP)) {
            thread.interrupt();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
