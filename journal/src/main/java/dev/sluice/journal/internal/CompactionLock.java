package dev.sluice.journal.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One compactor at a time per journal: an exclusive lock on {@value #LOCK_FILE} in the journal directory, held
 * until {@link #close()} (the operating system releases it when the process dies). Whoever holds it owns
 * {@value #WORK_DIR}, where cycles are rewritten before they replace the originals; what a killed compactor left
 * there is deleted when the lock is taken. Neither name is a queue, so readers do not take them for partitions.
 * <p>
 * Confined to the compacting thread (the lock itself is thread-safe to take).
 */
public final class CompactionLock implements AutoCloseable {
    /** The lock file in the journal directory. */
    public static final String LOCK_FILE = ".compact.lock";
    /** The work directory in the journal directory. */
    public static final String WORK_DIR = ".compacting";

    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Path workDir;

    private CompactionLock(Path file, FileChannel channel, FileLock lock, Path workDir) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.workDir = workDir;
    }

    /**
     * Takes the lock of the journal in {@code journalDir} and empties its work directory.
     *
     * @throws IOException when another compactor holds the lock, or the files cannot be written
     */
    public static CompactionLock acquire(Path journalDir) throws IOException {
        Path file = journalDir.resolve(LOCK_FILE).toAbsolutePath().normalize();
        // Closing any channel of the file drops the process's lock on it (POSIX): a second compactor in this
        // process must not even open it.
        if (!HELD.add(file)) {
            throw held(file);
        }
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            PrivateFiles.restrict(file);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                throw held(file);
            }
            Path workDir = journalDir.resolve(WORK_DIR);
            deleteTree(workDir);
            return new CompactionLock(file, channel, lock, workDir);
        } catch (IOException | RuntimeException e) {
            HELD.remove(file);
            throw e;
        }
    }

    private static IOException held(Path file) {
        return new IOException("compaction lock: " + file + " is held (expected: one compactor at a time)");
    }

    /** A fresh directory under the work directory, named {@code name}. */
    public Path workDir(String name) throws IOException {
        Path dir = workDir.resolve(name);
        deleteTree(dir);
        return dir;
    }

    /** Deletes {@code dir} and what it holds, if it exists. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Empties the work directory and releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            deleteTree(workDir);
        } finally {
            try {
                lock.release();
            } finally {
                channel.close();
                HELD.remove(file);
            }
        }
    }
}
