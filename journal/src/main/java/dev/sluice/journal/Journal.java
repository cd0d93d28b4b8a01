package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.FreeSpaceWatchdog;
import dev.sluice.journal.internal.GatewayPidFile;
import dev.sluice.journal.internal.JournalAgent;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.ProducerRing;
import dev.sluice.journal.internal.RecordLayout;
import dev.sluice.journal.internal.RollCycleNames;
import dev.sluice.journal.internal.Sealer;
import dev.sluice.journal.internal.Utf8Field;
import dev.sluice.journal.internal.WrittenPages;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit journal of one gateway process: a directory of Chronicle queues, one per writer ({@link Partitions}),
 * so that no thread ever waits for another's write lock. Each producer ({@link #newProducer}) has a partition of
 * its own: in {@link JournalMode#DIRECT} mode it appends to it itself; in {@link JournalMode#HANDOFF} mode it hands
 * records to the journal thread ({@code sluice-journal}), the one writer of the hand-off partition. Recovery, boot,
 * configuration and admin records go to the control partition, one at a time under this journal's lock. Readers
 * ({@link JournalReader}, {@link SpendLedger}) merge the partitions in wall-time order; a journal written before
 * partitions existed is read as one more partition.
 * <p>
 * {@link #open} first recovers (an {@link Outcome#INTERRUPTED} end for every request in the last two cycles
 * that has none), then writes a {@link BootRecord} and a {@code gateway.pid} file, then starts the journal thread
 * in hand-off mode. {@link #close()} drains every ring, stops the thread, closes the queues and deletes the pid
 * file. A directory can be open in one journal at a time: open refuses a directory held by this or another live
 * process.
 * <p>
 * Thread-safe.
 */
public final class Journal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Journal.class);
    private static final Set<Path> OPEN_DIRS = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final JournalSettings settings;
    private final RollCycle rollCycle;
    /** Written under this journal's lock only. */
    private final SingleChronicleQueue control;
    /** The hand-off partition and its one writer, or null in direct mode. */
    private final SingleChronicleQueue handoff;
    private final JournalAgent agent;
    private final AgentRunner runner;
    /** Every producer's partition in direct mode, guarded by this journal's lock. */
    private final List<SingleChronicleQueue> producerQueues = new ArrayList<>();
    /** Every producer made in direct mode, sealed at close; guarded by this journal's lock. */
    private final List<JournalProducer> directProducers = new ArrayList<>();
    /** The key that signs chain heads, or null. */
    private final JournalSigner signer;
    /** Signs the writers' interval seals off their threads. */
    private final Sealer sealer = new Sealer();
    /** The control partition's chain, guarded by this journal's lock. */
    private final Chain controlChain;
    private final int recoveredInterrupted;
    private final FreeSpaceWatchdog space;
    private final AgentRunner spaceRunner;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean closing;

    private Journal(Path dir, JournalSettings settings, RollCycle rollCycle, SingleChronicleQueue control,
                    Chain controlChain, SingleChronicleQueue handoff, JournalSigner signer, int recoveredInterrupted,
                    FreeSpaceWatchdog space) {
        this.dir = dir;
        this.controlChain = controlChain;
        this.signer = signer;
        this.space = space;
        this.spaceRunner = new AgentRunner(new SleepingMillisIdleStrategy(settings.freeSpaceCheckIntervalMs()),
            Journal::onAgentError, null, space);
        this.settings = settings;
        this.rollCycle = rollCycle;
        this.control = control;
        this.handoff = handoff;
        this.recoveredInterrupted = recoveredInterrupted;
        if (handoff != null) {
            this.agent = new JournalAgent(handoff, Chain.recover(handoff, signer, settings.clock(), sealer),
                space::onAppendFailure);
            this.runner = new AgentRunner(agent.idleStrategy(), Journal::onAgentError, null, agent);
        } else {
            this.agent = null;
            this.runner = null;
        }
    }

    /**
     * Opens (creating if needed) the journal in {@code settings.dir()}, recovers it and, in hand-off mode, starts
     * the journal thread.
     *
     * @throws IllegalStateException when the directory is held by this process or another live one
     * @throws IOException when the directory or pid file cannot be written
     */
    public static Journal open(JournalSettings settings) throws IOException {
        requireNonNull(settings, "settings");
        // The native binding that gives written pages back is loaded here, not on the first writing event loop.
        WrittenPages.available();
        Path dir = settings.dir().toAbsolutePath().normalize();
        Partitions.createPrivateDirectory(dir);
        if (!OPEN_DIRS.add(dir)) {
            throw new IllegalStateException("journal: " + dir + " is already open in this process");
        }
        SingleChronicleQueue control = null;
        SingleChronicleQueue handoff = null;
        try {
            if (GatewayPidFile.isHeldByLiveProcess(dir)
                && GatewayPidFile.read(dir).getAsLong() != ProcessHandle.current().pid()) {
                throw new IllegalStateException("journal: " + dir + " is held by live process "
                    + GatewayPidFile.read(dir).getAsLong());
            }
            RollCycle rollCycle = RollCycleNames.resolve(settings.rollCycle());
            JournalSigner signer = settings.signingKeyFile() == null ? null
                : JournalSigner.loadOrCreate(settings.signingKeyFile());
            FreeSpaceWatchdog space = new FreeSpaceWatchdog(dir, settings.minFreeBytes(), settings.minFreePercent());
            Map<Long, Interrupted> open = findRequestsWithoutEnd(dir);
            control = Partitions.openForWriting(dir, Partitions.CONTROL, rollCycle, settings.rollClock(),
                settings.blockBytes());
            // A journal keeps the roll cycle it was created with (Chronicle's metadata): every partition opens with
            // it, and a configuration naming another one is told so in its own words.
            RollCycle stored = control.rollCycle();
            if (!RollCycleNames.same(stored, rollCycle)) {
                LOG.warn("journal {}: rolls {} since it was created; journal.roll_cycle {} applies to a new journal"
                    + " only", dir, RollCycleNames.nameOf(stored), settings.rollCycle());
            }
            rollCycle = stored;
            Chain controlChain = Chain.recover(control, signer, settings.clock());
            appendRecoveryAndBoot(control, controlChain, open, settings);
            if (settings.mode() == JournalMode.HANDOFF) {
                handoff = Partitions.openForWriting(dir, Partitions.HANDOFF, rollCycle,
                    settings.rollClock(), settings.blockBytes());
            }
            GatewayPidFile.writeCurrent(dir);
            Journal journal = new Journal(dir, settings, rollCycle, control, controlChain, handoff, signer,
                open.size(), space);
            AgentRunner.startOnThread(journal.spaceRunner);
            if (journal.runner != null) {
                AgentRunner.startOnThread(journal.runner);
            }
            if (!open.isEmpty()) {
                LOG.warn("journal {}: {} requests had no end record; recorded them as interrupted", dir, open.size());
            }
            return journal;
        } catch (IOException | RuntimeException | Error e) {
            closeQuietly(handoff, e);
            closeQuietly(control, e);
            OPEN_DIRS.remove(dir);
            throw e;
        }
    }

    private static void closeQuietly(SingleChronicleQueue queue, Throwable failure) {
        if (queue == null) {
            return;
        }
        try {
            queue.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * Appends an INTERRUPTED end for each request in {@code open}, then a boot record, to the control partition.
     * Runs before any producer exists, on the opening thread.
     */
    private static void appendRecoveryAndBoot(SingleChronicleQueue control, Chain chain, Map<Long, Interrupted> open,
                                              JournalSettings settings) {
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[4096]);
        ChronicleWrites writes = new ChronicleWrites(control, chain);
        try {
            long nowMicros = nowMicros(settings.clock());
            EndRecord end = new EndRecord();
            for (Interrupted i : open.values()) {
                end.reset().requestId(i.request.requestId()).wallTimeMicros(nowMicros).status(0)
                    .outcome(Outcome.INTERRUPTED);
                i.estimate(end, settings.recoveryPricer());
                int length = end.encode(scratch, 0);
                writes.append(scratch.byteArray(), 0, length);
            }
            BootRecord boot = new BootRecord(nowMicros, ProcessHandle.current().pid(), settings.version());
            int length = boot.encode(scratch, 0, new Utf8Field());
            writes.append(scratch.byteArray(), 0, length);
        } finally {
            writes.close();
        }
    }

    /**
     * The requests of the last two cycles (of all partitions together) that have no end. A request and its end
     * are never more than one gateway start apart, and the end (recovery's, at the latest) is in the same cycle
     * or a later one, so reading every partition from the same cycle on finds both or neither.
     */
    private static Map<Long, Interrupted> findRequestsWithoutEnd(Path dir) {
        Map<Long, Interrupted> open = new LinkedHashMap<>();
        if (!Partitions.isJournal(dir)) {
            return open;
        }
        RecordDecoder decoder = new RecordDecoder();
        try (MergedTailer tailer = MergedTailer.open(dir)) {
            NavigableSet<Long> cycles = tailer.cycles();
            if (cycles.isEmpty()) {
                return open;
            }
            Long from = cycles.size() >= 2 ? cycles.lower(cycles.last()) : cycles.first();
            tailer.startAtCycle(from.intValue());
            while (tailer.next()) {
                int type = decoder.load(tailer.record());
                if (type == RecordLayout.TYPE_REQUEST) {
                    open.put(decoder.request().requestId(), new Interrupted(decoder.request(), tailer.bodyLength()));
                } else if (type == RecordLayout.TYPE_RESPONSE_PART) {
                    Interrupted i = open.get(decoder.responsePart().requestId());
                    if (i != null) {
                        i.addPart(tailer.body());
                    }
                } else if (type == RecordLayout.TYPE_END) {
                    open.remove(decoder.end().requestId());
                }
            }
        }
        return open;
    }

    /** A request without an end, and what its captured parts show of the answer it was streaming. */
    private static final class Interrupted {
        final RequestRecord request;
        final int bodyBytes;
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();

        Interrupted(RequestRecord request, int bodyBytes) {
            this.request = request;
            this.bodyBytes = bodyBytes;
        }

        void addPart(DirectBuffer body) {
            byte[] bytes = new byte[body.capacity()];
            body.getBytes(0, bytes);
            answer.writeBytes(bytes);
        }

        /** Tokens (about four characters each) the captured parts show, flagged estimated, and their cost. */
        void estimate(EndRecord end, RecoveryPricer pricer) {
            if (answer.size() == 0) {
                return;
            }
            CapturedAnswer a = CapturedAnswer.assemble(answer.toByteArray(),
                RequestRecord.endpointName(request.endpoint()), request.stream());
            long chars = a.text().length() + (a.thinking() == null ? 0 : a.thinking().length());
            for (CapturedAnswer.ToolCall call : a.toolCalls()) {
                chars += call.name().length() + call.arguments().length();
            }
            long tokensOut = (chars + 3) / 4;
            long tokensIn = bodyBytes > 0 ? (bodyBytes + 3) / 4 : 0;
            end.tokensIn(tokensIn).tokensOut(tokensOut).tokensEstimated(true)
                .costMicros(pricer.costMicros(request.requestedModel(), tokensIn, tokensOut));
        }
    }

    static long nowMicros(Clock clock) {
        Instant now = clock.instant();
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
        checkOpen();
        if (settings.mode() == JournalMode.DIRECT) {
            return newDirectProducer();
        }
        ProducerRing ring = new ProducerRing(settings.ringCapacityBytes(), wakeupExecutor, agent.idleStrategy());
        agent.add(ring);
        return new JournalProducer(this, ring);
    }

    /**
     * A direct producer with a partition of its own: creates the partition's queue (file I/O), so it must not be
     * called on an event loop. Partitions are numbered in creation order, so a gateway restarted with as many
     * event loops appends to the same partitions.
     */
    private synchronized JournalProducer newDirectProducer() {
        checkOpen();
        SingleChronicleQueue queue;
        try {
            queue = Partitions.openForWriting(dir, Partitions.producer(producerQueues.size()), rollCycle,
                settings.rollClock(), settings.blockBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("journal: cannot create a partition in " + dir, e);
        }
        producerQueues.add(queue);
        JournalProducer producer = new JournalProducer(this,
            new ChronicleWrites(queue, Chain.recover(queue, signer, settings.clock(), sealer)));
        directProducers.add(producer);
        return producer;
    }

    /** Bytes of each mapping block of the partitions this journal writes ({@link JournalSettings#blockBytes()}). */
    long blockBytes() {
        return settings.blockBytes();
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

    /**
     * Appends an evaluation run from the calling thread (the admin API's), which must not be an event loop. Thread-safe.
     *
     * @throws IllegalStateException when the journal is closed
     */
    public synchronized void appendEval(EvalRecord record) {
        requireNonNull(record, "record");
        checkOpen();
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[record.maxEncodedBytes()]);
        appendRare(scratch, record.encode(scratch, 0));
    }

    /**
     * Appends feedback on an answer from the calling thread, which must not be an event loop. Thread-safe.
     *
     * @throws IllegalStateException when the journal is closed
     */
    public synchronized void appendFeedback(FeedbackRecord record) {
        requireNonNull(record, "record");
        checkOpen();
        UnsafeBuffer scratch = new UnsafeBuffer(new byte[FeedbackRecord.maxEncodedBytes()]);
        appendRare(scratch, record.encode(scratch, 0));
    }

    private void checkOpen() {
        if (isClosed()) {
            throw new IllegalStateException("journal: " + dir + " is closed");
        }
    }

    /** Appends to the control partition; the caller holds this journal's lock, so it is the one writer. */
    private void appendRare(UnsafeBuffer scratch, int length) {
        ChronicleWrites writes = new ChronicleWrites(control, controlChain);
        try {
            writes.append(scratch.byteArray(), 0, length);
        } finally {
            writes.close();
        }
    }

    /**
     * Whether a new request may be journaled now: false while the journal's file system is below its free-space
     * threshold, and after an append failed until the next free-space check finds enough space. A volatile read,
     * no system call: any thread.
     */
    public boolean acceptsRequests() {
        return space.accepting();
    }

    /** Free bytes of the journal's file system at the last check (-1 when it could not be read). Any thread. */
    public long freeBytes() {
        return space.freeBytes();
    }

    /** Reports a failed append: new requests are refused until the next free-space check finds enough space. */
    void onAppendFailure() {
        space.onAppendFailure();
    }

    /** Requests recovery marked interrupted when this journal was opened. */
    public int recoveredInterrupted() {
        return recoveredInterrupted;
    }

    /** Records the journal thread has written in hand-off mode (recovery and boot records excluded); 0 in direct mode. */
    public long appendedRecords() {
        return agent == null ? 0 : agent.appendedRecords();
    }

    /** Document writes of the journal thread that failed (the record stayed in its ring and was retried). */
    public long writeFailures() {
        return agent == null ? 0 : agent.writeFailures();
    }

    /** The queue directory. */
    public Path dir() {
        return dir;
    }

    /** Whether {@link #close()} has begun; producers are refused from then on. */
    public boolean isClosed() {
        return closing;
    }

    /**
     * Drains every ring, stops the journal thread, closes the queues, deletes the pid file. Idempotent. Producers
     * must be idle by then (the gateway closes its event loops first): an append from now on is refused.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        try {
            if (agent != null) {
                agent.beginClose();
                runner.close();
            }
            spaceRunner.close();
            closeQueues(true);
            sealer.close();
            GatewayPidFile.deleteIfCurrent(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            OPEN_DIRS.remove(dir);
        }
    }

    /** Simulates a crash (tests): stops the thread without draining, closes the queues, keeps the pid file. */
    void crashForTest() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        if (agent != null) {
            agent.halt();
            runner.close();
        }
        spaceRunner.close();
        closeQueues(false);
        sealer.close();
        OPEN_DIRS.remove(dir);
    }

    /** Closes every queue; {@code seal}: seals each partition's chain head first (a clean close). */
    private synchronized void closeQueues(boolean seal) {
        for (JournalProducer producer : seal ? directProducers : List.<JournalProducer>of()) {
            try {
                producer.sealAndClose();
            } catch (RuntimeException e) {
                LOG.error("journal: cannot seal a partition of {} at close", dir, e);
            }
        }
        try {
            if (seal) {
                new ChronicleWrites(control, controlChain).sealAndClose();
            }
        } catch (RuntimeException e) {
            LOG.error("journal: cannot seal the control partition of {} at close", dir, e);
        }
        for (SingleChronicleQueue q : producerQueues) {
            q.close();
        }
        if (handoff != null) {
            handoff.close();
        }
        control.close();
    }

    /** Stops or resumes draining (tests: lets a ring fill up). */
    void pauseDrainForTest(boolean paused) {
        agent.paused(paused);
    }

    private static void onAgentError(Throwable t) {
        LOG.error("journal thread error", t);
    }
}
