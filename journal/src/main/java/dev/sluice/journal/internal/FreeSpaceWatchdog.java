package dev.sluice.journal.internal;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.agrona.concurrent.Agent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether the journal takes new requests (RELIABILITY D5, B8). Each duty cycle reads the free space of the
 * journal's file system (one {@code statfs}) and refuses new requests while it is below {@code minFreeBytes} or
 * below {@code minFreePercent} of the file system, so the queue's memory-mapped pages are never touched on a full
 * disk (a page fault there is a SIGBUS, not an exception). An append that failed ({@link #onAppendFailure}) also
 * refuses new requests until the next check finds enough space. The state is one volatile field: the event loops
 * read it per request and never make a system call for it. The thresholds leave room for the END records of the
 * requests in flight, which are always appended.
 * <p>
 * {@link #doWork()} runs on the watchdog thread ({@code sluice-journal-space}); the other methods are thread-safe.
 */
public final class FreeSpaceWatchdog implements Agent {
    private static final Logger LOG = LoggerFactory.getLogger(FreeSpaceWatchdog.class);

    private final Path dir;
    private final FileStore store;
    private final long minFreeBytes;
    private final int minFreePercent;
    private volatile boolean accepting = true;
    private final AtomicBoolean appendFailed = new AtomicBoolean();
    private volatile long freeBytes = -1;
    private volatile long refusedChecks;

    /**
     * @param dir a directory on the journal's file system
     * @param minFreeBytes free bytes below which new requests are refused (0: no byte threshold)
     * @param minFreePercent free percent of the file system below which new requests are refused (0: none)
     * @throws IOException when the file system of {@code dir} cannot be found
     */
    public FreeSpaceWatchdog(Path dir, long minFreeBytes, int minFreePercent) throws IOException {
        if (minFreeBytes < 0) {
            throw new IllegalArgumentException("minFreeBytes: " + minFreeBytes + " (expected: >= 0)");
        }
        if (minFreePercent < 0 || minFreePercent > 100) {
            throw new IllegalArgumentException("minFreePercent: " + minFreePercent + " (expected: 0 to 100)");
        }
        this.dir = dir;
        this.store = Files.getFileStore(dir);
        this.minFreeBytes = minFreeBytes;
        this.minFreePercent = minFreePercent;
        check();
    }

    /** Whether new requests may be journaled now (a volatile read, no system call). */
    public boolean accepting() {
        return accepting;
    }

    /** Free bytes at the last check, or -1 when the file system could not be read. */
    public long freeBytes() {
        return freeBytes;
    }

    /** Called by a writer whose append failed: new requests are refused until the next check finds space. */
    public void onAppendFailure() {
        appendFailed.set(true);
        accepting = false;
    }

    @Override
    public int doWork() {
        check();
        // No work to report: the idle strategy sleeps one check interval between checks.
        return 0;
    }

    private void check() {
        boolean enough;
        long free;
        try {
            free = store.getUsableSpace();
            long total = store.getTotalSpace();
            enough = free >= minFreeBytes && (minFreePercent == 0 || free * 100 >= (long) minFreePercent * total);
        } catch (IOException | RuntimeException e) {
            // A file system that cannot be read is not one to write to.
            free = -1;
            enough = false;
        }
        freeBytes = free;
        boolean wasAccepting = accepting;
        // Taken and cleared at once: a failure reported after this line is seen by the next check.
        boolean failed = appendFailed.getAndSet(false);
        boolean now = enough && !failed;
        accepting = now;
        if (!now) {
            refusedChecks++;
        }
        if (wasAccepting && !now) {
            LOG.error("journal {}: refusing new requests ({}; free {} bytes, thresholds {} bytes and {}%)", dir,
                    failed ? "an append failed" : "file system nearly full", free, minFreeBytes, minFreePercent);
        } else if (!wasAccepting && now) {
            LOG.warn("journal {}: accepting requests again (free {} bytes)", dir, free);
        }
    }

    /** Checks that found the journal unable to take requests. */
    public long refusedChecks() {
        return refusedChecks;
    }

    @Override
    public String roleName() {
        return "sluice-journal-space";
    }
}
