package dev.sluice.bench;

import dev.sluice.bench.internal.TempDirs;
import dev.sluice.codec.Endpoint;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.JournalSettings;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RequestRecord;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link JournalProducer#append} of a typical END record and a REQUEST record into a real {@link Journal} in a
 * temporary directory, its journal thread draining the ring into the Chronicle queue meanwhile (on another
 * core). The ring is {@value #RING_BYTES} bytes; when an append still returns
 * {@link JournalProducer#FULL} the benchmark spins until the journal thread has drained room, and that wait is
 * part of the measured time and counted in the {@code fullAppends}/{@code fullSpins} columns.
 * With {@code mode=DIRECT} (what the gateway runs) the benchmark thread appends to the queue itself and there is
 * no ring and no journal thread in the way: the figure is the cost an event loop pays per record.
 * Confined to the benchmark thread (the producer's owner).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class JournalAppendBenchmark {
    static final int RING_BYTES = 32 * 1024 * 1024;
    private static final byte[] MODEL = "gpt-4o".getBytes(StandardCharsets.US_ASCII);

    /** How records reach the queue: through the ring and the journal thread, or appended by this thread. */
    @Param({"HANDOFF", "DIRECT"})
    public String mode;

    private final EndRecord end = new EndRecord();
    private final RequestRecord request = new RequestRecord();
    private Path tempDir;
    private Journal journal;
    private JournalProducer producer;
    private long requestId = 1L << 40;

    /**
     * Appends that met a full ring, and the spins spent waiting for room (JMH reports both as events).
     * Confined to the benchmark thread.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class FullRing {
        public long fullAppends;
        public long fullSpins;

        @Setup(Level.Iteration)
        public void clear() {
            fullAppends = 0;
            fullSpins = 0;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        tempDir = Files.createTempDirectory("sluice-bench-journal");
        journal = Journal.open(JournalSettings.builder(tempDir.resolve("journal")).ringCapacityBytes(RING_BYTES)
                .mode(JournalMode.valueOf(mode)).version("bench").build());
        // No durable waiters are registered, so the executor never runs anything.
        producer = journal.newProducer(Runnable::run);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        long appended = producer.appendedRecords();
        journal.close();
        // The journal thread counts what it wrote from rings; in DIRECT mode the producer wrote it all itself.
        long written = JournalMode.valueOf(mode) == JournalMode.DIRECT ? appended : journal.appendedRecords();
        TempDirs.deleteRecursively(tempDir);
        if (written != appended) {
            throw new IllegalStateException("journal wrote " + written + " records (expected: " + appended + ")");
        }
    }

    /** The end record of a streamed chat request: outcome, timings, tokens, cost, served model. */
    @Benchmark
    public long appendEnd(FullRing full) {
        long id = ++requestId;
        end.reset().requestId(id).wallTimeMicros(1_764_000_000_000_000L + id).status(200).outcome(Outcome.OK)
                .provider("openai").deployment("openai-primary").servedModel("gpt-4o-2024-08-06")
                .ttftMicros(182_000).totalMicros(1_430_000).tokensIn(812).tokensOut(233).tokensCached(512)
                .costMicros(3_940);
        long position = producer.append(end);
        return position != JournalProducer.FULL ? position : retryEnd(full);
    }

    /** The request record of a tagged chat request: principal, tags, endpoint, model (copied from body bytes). */
    @Benchmark
    public long appendRequest(FullRing full) {
        long id = ++requestId;
        request.reset().requestId(id).wallTimeMicros(1_764_000_000_000_000L + id).keyId("key-ops-7")
                .user("user-1234").team("operations").project("support").useCase("triage")
                .endpoint(Endpoint.CHAT_COMPLETIONS.id()).requestedModel(MODEL, 0, MODEL.length).stream(true)
                .clientAddress("10.1.2.3");
        long position = producer.append(request);
        return position != JournalProducer.FULL ? position : retryRequest(full);
    }

    JournalProducer producer() {
        return producer;
    }

    Journal journal() {
        return journal;
    }

    private long retryEnd(FullRing full) {
        full.fullAppends++;
        long position;
        do {
            full.fullSpins++;
            Thread.onSpinWait();
            position = producer.append(end);
        } while (position == JournalProducer.FULL);
        return position;
    }

    private long retryRequest(FullRing full) {
        full.fullAppends++;
        long position;
        do {
            full.fullSpins++;
            Thread.onSpinWait();
            position = producer.append(request);
        } while (position == JournalProducer.FULL);
        return position;
    }
}
