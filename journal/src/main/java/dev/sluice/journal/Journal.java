package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.GatewayPidFile;
import dev.sluice.journal.internal.JournalAgent;
import dev.sluice.journal.internal.ProducerRing;
import dev.sluice.journal.internal.RecordLayout;
import dev.sluice.journal.internal.RollCycleNames;
import dev.sluice.journal.internal.Utf8Field;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.threads.BusyTimedPauser;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit journal of one gateway process: a Chronicle Queue directory written by a single journal thread
 * ({@code sluice-journal}). Producers ({@link #newProducer}) hand records to it through their own rings.
 * {@link #open} first recovers (an {@link Outcome#INTERRUPTED} end for every request in the last two cycles
 * that has none), then writes a {@link BootRecord} and a {@code gateway.pid} file, then starts the thread.
 * {@link #close()} drains every ring, stops the thread, closes the queue and deletes the pid file. A directory
 * can be open in one journal at a time: open refuses a directory held by this or another live process.
 * <p>
 * Thread-safe.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final Set<Path> OPEN_DIRS = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final JournalSettings settings;
    private final SingleChronicleQueue queue;
    private final JournalAgent agent;
    private final AgentRunner runner;
    private final int recoveredInterrupted;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;

    private Journal(Path dir, JournalSettings settings, SingleChronicleQueue queue, int recoveredInterrupted) {
        this.dir = dir;
        this.settings = settings;
        this.queue = queue;
        this.recoveredInterrupted = recoveredInterrupted;
        this.agent = new JournalAgent(queue);
        this.runner = new AgentRunner(agent.idleStrategy(), Journal::onAgentError, null, agent);
    }

    /**
     * Opens (creating if needed) the journal in {@code settings.dir()}, recovers it and starts the journal thread.
     *
     * @throws IllegalStateException when the directory is held by this process or another live one
     * @throws IOException when the directory or pid file cannot be written
     */
    public static Journal open(JournalSettings settings) throws IOException {
        requireNonNull(settings, "settings");
        Path dir = settings.dir().toAbsolutePath().normalize();
        createPrivateDirectories(dir);
        if (!OPEN_DIRS.add(dir)) {
            throw new IllegalStateException("journal: " + dir + " is already open in this process");
        }
        SingleChronicleQueue queue = null;
        try {
            if (GatewayPidFile.isHeldByLiveProcess(dir)
                && GatewayPidFile.read(dir).getAsLong() != ProcessHandle.current().pid()) {
                throw new IllegalStateException("journal: " + dir + " is held by live process "
                    + GatewayPidFile.read(dir).getAsLong());
            }
            queue = SingleChronicleQueueBuilder.single(dir.toFile())
                .rollCycle(RollCycleNames.resolve(settings.rollCycle()))
                // The event loops append themselves and share the queue's write lock, held for one memory copy:
                // a loser spins for it (onSpinWait) rather than yield or park its event loop.
                .pauserSupplier(BusyTimedPauser::new)
                .build();
            int recovered = recoverAndBoot(queue, settings.clock(), settings.version());
            GatewayPidFile.writeCurrent(dir);
            Journal journal = new Journal(dir, settings, queue, recovered);
            AgentRunner.startOnThread(journal.runner);
            if (recovered > 0) {
                LOG.warn("journal {}: {} requests had no end record; recorded them as interrupted", dir, recovered);
            }
            return journal;
        } catch (IOException | RuntimeException | Error e) {
            if (queue != null) {
                queue.close();
            }
            OPEN_DIRS.remove(dir);
            throw e;
        }
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
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

    /**
     * Appends an INTERRUPTED end for each request without an end in the last two cycles, then a boot record.
     * Runs before the journal thread starts, so this thread is the only writer meanwhile.
     */
    private static int recoverAndBoot(SingleChronicleQueue queue, Clock clock, String version) {
        Set<Long> open = findRequestsWithoutEnd(queue);
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        ChronicleWrites writes = new ChronicleWrites(queue.createAppender());
        try {
            long nowMicros = nowMicros(clock);
            EndRecord end = new EndRecord();
            for (long requestId : open) {
                end.reset().requestId(requestId).wallTimeMicros(nowMicros).status(0).outcome(Outcome.INTERRUPTED);
                int length = end.encode(scratch, 0);
                writes.append(scratch, 0, length);
            }
            BootRecord boot = new BootRecord(nowMicros, ProcessHandle.current().pid(), version);
            int length = boot.encode(scratch, 0, new Utf8Field());
            writes.append(scratch, 0, length);
        } finally {
            writes.close();
        }
        return open.size();
    }

    private static Set<Long> findRequestsWithoutEnd(SingleChronicleQueue queue) {
        Set<Long> open = new LinkedHashSet<>();
        int first = queue.firstCycle();
        int last = queue.lastCycle();
        if (last < first) {
            return open;
        }
        NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
        if (cycles.isEmpty()) {
            return open;
        }
        Long from = cycles.size() >= 2 ? cycles.lower(cycles.last()) : cycles.first();
        RecordDecoder decoder = new RecordDecoder();
        try (ExcerptTailer tailer = queue.createTailer()) {
            if (!tailer.moveToCycle(from.intValue())) {
                tailer.toStart();
            }
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        break;
                    }
                    int type = decoder.load(dc);
                    if (type == RecordLayout.TYPE_REQUEST) {
                        open.add(decoder.request().requestId());
                    } else if (type == RecordLayout.TYPE_END) {
                        open.remove(decoder.end().requestId());
                    }
                }
            }
        }
        return open;
    }

    static long nowMicros(Clock clock) {
        java.time.Instant now = clock.instant();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
    }

    /**
     * A new producer for the calling thread. Durable waiters run on {@code wakeupExecutor}, which must run tasks
     * on the producer's thread (the gateway passes the event loop that owns the producer).
     *
     * @throws IllegalStateException when the journal is closed
     */
    public JournalProducer newProducer(Executor wakeupExecutor) {
        requireNonNull(wakeupExecutor, "wakeupExecutor");
        if (isClosed()) {
            throw new IllegalStateException("journal: " + dir + " is closed");
        }
        if (settings.mode() == JournalMode.DIRECT) {
            return new JournalProducer(this, new ChronicleWrites(queue.createAppender()));
        }
        ProducerRing ring = new ProducerRing(settings.ringCapacityBytes(), wakeupExecutor, agent.idleStrategy());
        agent.add(ring);
        return new JournalProducer(this, ring);
    }

    /**
     * Appends a configuration record from the calling thread, which must not be an event loop (it may touch the
     * queue file). Thread-safe; configuration changes are rare, so each takes its own appender.
     *
     * @throws IllegalStateException when the journal is closed
     */
    public synchronized void appendConfig(ConfigRecord record) {
        requireNonNull(record, "record");
        checkOpen();
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        appendRare(scratch, record.encode(scratch, 0));
    }

    /**
     * Appends an admin record from the calling thread (the admin API's), which must not be an event loop (it may
     * touch the queue file). Thread-safe; admin actions are rare, so each takes its own appender.
     *
     * @throws IllegalStateException when the journal is closed
     */
    public synchronized void appendAdmin(AdminRecord record) {
        requireNonNull(record, "record");
        checkOpen();
        // Four strings of at most 1 KiB each, with their prefixes, plus the fixed part.
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[8 * 1024]);
        appendRare(scratch, record.encode(scratch, 0));
    }

    private void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException("journal: " + dir + " is closed");
        }
    }

    private void appendRare(UnsafeBuffer scratch, int length) {
        ChronicleWrites writes = new ChronicleWrites(queue.createAppender());
        try {
            writes.append(scratch, 0, length);
        } finally {
            writes.close();
        }
    }

    /** Requests recovery marked interrupted when this journal was opened. */
    public int recoveredInterrupted() {
        return recoveredInterrupted;
    }

    /** Records the journal thread has written to the queue (recovery and boot records excluded). */
    public long appendedRecords() {
        return agent.appendedRecords();
    }

    /** Document writes that failed (the record stayed in its ring and was retried). */
    public long writeFailures() {
        return agent.writeFailures();
    }

    /** The queue directory. */
    public Path dir() {
        return dir;
    }

    /** Whether {@link #close()} has begun; producers are refused from then on. */
    public boolean isClosed() {
        return closing;
    }

    /** Drains every ring, stops the journal thread, closes the queue, deletes the pid file. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        try {
            agent.beginClose();
            runner.close();
            queue.close();
            GatewayPidFile.deleteIfCurrent(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            OPEN_DIRS.remove(dir);
        }
    }

    /** Simulates a crash (tests): stops the thread without draining, closes the queue, keeps the pid file. */
    void crashForTest() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        agent.halt();
        runner.close();
        queue.close();
        OPEN_DIRS.remove(dir);
    }

    /** Stops or resumes draining (tests: lets a ring fill up). */
    void pauseDrainForTest(boolean paused) {
        agent.paused(paused);
    }

    private static void onAgentError(Throwable t) {
        LOG.error("journal thread error", t);
    }
}
