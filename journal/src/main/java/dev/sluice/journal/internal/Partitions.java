package dev.sluice.journal.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;

/**
 * The layout of a journal directory: one Chronicle queue per writer, each in a subdirectory of its own (a
 * partition), so that no two threads ever share a queue's write lock. {@value #CONTROL} holds what the journal
 * itself writes (recovery, boot, configuration and admin records, serialised by the journal);
 * {@code loop-<n>} is the queue of the n-th producer (one event loop each); {@value #HANDOFF} is the journal
 * thread's queue when producers hand their records over. A journal written before partitions existed has its
 * queue files in the directory itself: that queue is read as one more partition and never written again.
 * <p>
 * Thread-safe (stateless).
 */
public final class Partitions {
    /** Bytes a reader maps at a time, and a tool's writer of a few small records. */
    public static final long READ_BLOCK_BYTES = 2L * 1024 * 1024;
    /** The partition of the records the journal writes itself (recovery, boot, configuration, admin). */
    public static final String CONTROL = "control";
    /** The partition the journal thread writes in hand-off mode. */
    public static final String HANDOFF = "handoff";
    /** Every Chronicle queue directory holds this file from its creation on. */
    public static final String METADATA_FILE = "metadata.cq4t";

    private static final String LOOP_PREFIX = "loop-";

    private Partitions() {
    }

    /** The name of the partition of producer {@code index}. */
    public static String producer(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
        }
        return LOOP_PREFIX + index;
    }

    /** Whether {@code dir} is a journal: a queue itself (the layout before partitions) or a parent of one. */
    public static boolean isJournal(Path dir) {
        return !find(dir).isEmpty();
    }

    /**
     * The queue directories of the journal in {@code journalDir}: the directory itself when it holds queue files
     * (written before partitions), then each subdirectory that is a queue, by name. Empty when there is none.
     */
    public static List<Path> find(Path journalDir) {
        List<Path> found = new ArrayList<>();
        if (isQueue(journalDir)) {
            found.add(journalDir);
        }
        if (!Files.isDirectory(journalDir)) {
            return found;
        }
        try (Stream<Path> children = Files.list(journalDir)) {
            children.filter(Partitions::isQueue).sorted().forEach(found::add);
        } catch (IOException e) {
            throw new UncheckedIOException("journal: cannot list " + journalDir, e);
        }
        return found;
    }

    private static boolean isQueue(Path dir) {
        return Files.isRegularFile(dir.resolve(METADATA_FILE));
    }

    /**
     * Opens (creating if needed, readable by the owner only) the partition {@code name} of {@code journalDir} for
     * writing. Its one writer must be the only thread that appends to it.
     */
    public static SingleChronicleQueue openForWriting(Path journalDir, String name, RollCycle rollCycle)
        throws IOException {
        return openForWriting(journalDir, name, rollCycle, Clock.systemUTC(), READ_BLOCK_BYTES);
    }

    /**
     * As {@link #openForWriting(Path, String, RollCycle)}, rolling cycles by {@code clock}'s time (the system's in a
     * gateway; a tool writing a past month gives the records' own times, so that each day lands in its cycle),
     * mapping the file {@code blockBytes} at a time (a record is at most a quarter of it).
     */
    public static SingleChronicleQueue openForWriting(Path journalDir, String name, RollCycle rollCycle, Clock clock,
                                                      long blockBytes)
        throws IOException {
        Path dir = journalDir.resolve(name);
        createPrivateDirectory(dir);
        // Cycle files are created later (the first append of a cycle, a roll): the listener makes each private.
        SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(dir.toFile()).rollCycle(rollCycle)
            .blockSize(blockBytes).timeProvider(new ClockTime(clock)).storeFileListener(PrivateFiles.LISTENER).build();
        try {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    PrivateFiles.restrict(f);
                }
            }
        } catch (IOException | RuntimeException e) {
            queue.close();
            throw e;
        }
        return queue;
    }

    /**
     * Opens the queue in {@code queueDir} (one of {@link #find}) for reading, mapped {@link #READ_BLOCK_BYTES} at a
     * time (a reader takes records of any size; the pages it has read stay resident until it leaves the block).
     */
    public static SingleChronicleQueue openForReading(Path queueDir) {
        return SingleChronicleQueueBuilder.single(queueDir.toFile()).readOnly(true).blockSize(READ_BLOCK_BYTES)
            .build();
    }

    /**
     * Creates {@code dir} and its parents; the last one readable by the owner only where POSIX permissions exist
     * (also when it existed already, with other permissions).
     */
    public static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            PrivateFiles.restrict(dir);
            return;
        }
        Files.createDirectories(dir.getParent());
        try {
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // The journal names users and teams: not world-readable (RELIABILITY F5).
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // Created concurrently: fine.
        }
    }

    /** Chronicle's time, read from a {@link Clock}. */
    private static final class ClockTime implements TimeProvider {
        private final Clock clock;

        ClockTime(Clock clock) {
            this.clock = clock;
        }

        @Override
        public long currentTimeMillis() {
            return clock.millis();
        }

        @Override
        public long currentTimeMicros() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        }

        @Override
        // style-exception(unitSuffix): Chronicle's own name.
        public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    }
}
