package dev.sluice.journal.internal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.core.OS;
import net.openhft.chronicle.core.io.ReferenceOwner;
import net.openhft.posix.MAdviseFlag;
import net.openhft.posix.PosixAPI;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back the pages of a queue file that its writer has passed: every {@value #STEP_BYTES} bytes written, the
 * mapped pages more than {@value #KEEP_BYTES} behind the write position are dropped from this process's mapping
 * ({@code madvise(MADV_DONTNEED)}). The file is mapped shared, so nothing written is lost: the pages stay in the
 * kernel's page cache (dirty ones are written back as before) and a later access, a reader's or an index update's,
 * maps them again. Without this a writer's block (64 MiB, and the 16 MiB by which Chronicle's blocks overlap) stays
 * resident once written through, for each partition.
 * <p>
 * A block the writer has left is not dropped by Chronicle at once (the file's first block never is, it holds the
 * header), and Chronicle's index reads the headers just written through the old block's overlap: the old block is
 * held (reserved) and given back with the current one until the writer is past its end, then given back whole and
 * let go. Pages are only given back in blocks this class holds, so an address is never advised after its mapping is
 * gone.
 * <p>
 * One per appender; confined to its thread. Not API: public for the journal's opening, which loads the binding.
 */
public final class WrittenPages {
    static final long STEP_BYTES = 2L << 20;
    static final long KEEP_BYTES = 1L << 20;
    private static final Logger LOG = LoggerFactory.getLogger(WrittenPages.class);
    private static final long PAGE = OS.pageSize();
    /** Null where the platform has no madvise (the pages are then left to the kernel, as before). */
    private static final PosixAPI POSIX = posix();

    private final ReferenceOwner owner = ReferenceOwner.temporary("journal-written-pages");
    /** The block being written (reserved here), and where its pages were given back up to (a file position). */
    private MappedBytesStore current;
    private long currentGivenBackTo;
    /** The block written before it, held until the writer is past its end. */
    private MappedBytesStore previous;
    private long previousGivenBackTo;
    private boolean off;

    private static PosixAPI posix() {
        if (!OS.isLinux()) {
            return null;
        }
        try {
            return PosixAPI.posix();
        } catch (RuntimeException | LinkageError e) {
            LOG.info("madvise is not available ({}): written journal pages stay mapped", e.toString());
            return null;
        }
    }

    /** Loads the native binding now (on the thread that opens the journal, not on the first writer's). */
    public static boolean available() {
        return POSIX != null;
    }

    /**
     * After a write through {@code bytes} (the appender's, at its write position). Never throws: the record is
     * already in the queue, so a failure here turns the giving back off for this appender, with one warning.
     */
    public void written(Bytes<?> bytes) {
        if (POSIX == null || off) {
            return;
        }
        try {
            givingBack(bytes);
        } catch (RuntimeException e) {
            off = true;
            LOG.warn("journal pages are no longer given back for this writer", e);
        }
    }

    private void givingBack(Bytes<?> bytes) {
        BytesStore<?, ?> store = bytes.bytesStore();
        if (!(store instanceof MappedBytesStore)) {
            return;
        }
        long pos = bytes.writePosition();
        if (store != current) {
            moveTo((MappedBytesStore) store);
        }
        if (previous != null && pos >= previous.capacity() + KEEP_BYTES) {
            giveBack(previous, previousGivenBackTo, previous.capacity());
            letGo();
        }
        if (pos - currentGivenBackTo >= STEP_BYTES) {
            long to = pos - KEEP_BYTES;
            giveBack(current, currentGivenBackTo, to);
            currentGivenBackTo = Math.max(currentGivenBackTo, to);
            if (previous != null) {
                // Chronicle's index reads the headers the writer just wrote through the old block's overlap.
                giveBack(previous, previousGivenBackTo, to);
                previousGivenBackTo = Math.max(previousGivenBackTo, to);
            }
        }
    }

    /** The writer went on to {@code next}: the next block of the file, or another file (the cycle rolled). */
    private void moveTo(MappedBytesStore next) {
        MappedBytesStore left = current;
        long leftAt = currentGivenBackTo;
        next.reserve(owner);
        current = next;
        currentGivenBackTo = next.start();
        if (left == null) {
            return;
        }
        if (previous != null) {
            giveBack(previous, previousGivenBackTo, previous.capacity());
            letGo();
        }
        if (next.start() <= left.start()) {
            // Not a later block of the same file: the old one is done with.
            giveBack(left, leftAt, left.capacity());
            left.release(owner);
            return;
        }
        previous = left;
        previousGivenBackTo = leftAt;
    }

    private void letGo() {
        previous.release(owner);
        previous = null;
    }

    /** Gives back the whole pages of {@code [from, to)} (file positions) that lie in {@code store}. */
    private static void giveBack(MappedBytesStore store, long from, long to) {
        long start = Math.max(from, store.start());
        start -= start % PAGE;
        long end = Math.min(to, store.capacity());
        end -= end % PAGE;
        if (end > start) {
            POSIX.madvise(store.addressForRead(start), end - start, MAdviseFlag.MADV_DONTNEED);
        }
    }

    /** Lets go of the blocks held here (the appender closes). */
    public void close() {
        try {
            if (previous != null) {
                letGo();
            }
            if (current != null) {
                current.release(owner);
            }
        } catch (RuntimeException e) {
            LOG.warn("releasing the journal blocks held for giving pages back failed", e);
        } finally {
            previous = null;
            current = null;
        }
    }
}
