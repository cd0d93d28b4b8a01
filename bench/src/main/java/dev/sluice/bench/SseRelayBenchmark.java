package dev.sluice.bench;

import dev.sluice.bench.internal.ReadPlan;
import dev.sluice.bench.internal.ReleasingSink;
import dev.sluice.bench.internal.SseStreams;
import dev.sluice.bench.internal.TempDirs;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseScanner;
import dev.sluice.journal.Journal;
import dev.sluice.journal.JournalMode;
import dev.sluice.journal.JournalSettings;
import dev.sluice.proxy.RelayHarness;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ResourceLeakDetector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The SSE relay path per event: each upstream read arrives as a fresh direct buffer from the allocator, the
 * gateway's {@code SseRelay} scans it and writes its complete events to the client context (the read's own buffer,
 * retained, with what the client must not see cut out in place), and the client end ({@link ReleasingSink})
 * releases every write. One operation is one OpenAI chat stream with
 * include_usage ({@value SseStreams#OPENAI_EVENTS} events); {@code hideUsage} drops the usage chunk as for a
 * client that did not ask for it. Confined to the benchmark thread (the channel's event loop).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class SseRelayBenchmark {
    /** Bytes per read in the {@code fixed100} plan: events (about 280 bytes) then span three reads. */
    static final int FIXED_READ_BYTES = 100;

    /** {@code event}: one read per event; {@code fixed100}: 100-byte reads cutting events anywhere. */
    @Param({"event", "fixed100"})
    public String reads;

    /** Whether the client did not ask for usage, so the usage chunk is dropped. */
    @Param({"false", "true"})
    public boolean hideUsage;

    /**
     * {@code default}: {@link ByteBufAllocator#DEFAULT}, what the gateway's channels read into (Netty 4.2: the
     * adaptive allocator); {@code pooled}: {@link PooledByteBufAllocator#DEFAULT}.
     */
    @Param({"default", "pooled"})
    public String allocator;

    /** Netty's leak detection level: {@code disabled}, or {@code simple} (Netty's default, samples 1 in 128). */
    @Param({"disabled"})
    public String leakDetection;

    /**
     * {@code off}: the relay alone; {@code full}: each read is also redacted and appended to a real journal (direct
     * mode, chained and signed) as under {@code journal.capture: full}.
     */
    @Param({"off", "full"})
    public String capture = "off";

    /** With capture: whether the journal signs its chain heads (a seal every 1,000 records, as the gateway does). */
    @Param({"true"})
    public boolean signed = true;

    private RelayHarness driver;
    private Path journalDir;
    private Journal journal;
    private final ReleasingSink sink = new ReleasingSink();
    private final ChannelInboundHandlerAdapter anchor = new ChannelInboundHandlerAdapter();
    private EmbeddedChannel channel;
    private ChannelHandlerContext client;
    private ByteBufAllocator alloc;
    private ReadPlan plan;

    @Setup(Level.Trial)
    public void setUp() {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.valueOf(leakDetection.toUpperCase(Locale.ROOT)));
        alloc = allocator(allocator);
        byte[] stream = SseStreams.openAi();
        plan = "event".equals(reads) ? ReadPlan.perEvent(stream) : ReadPlan.fixed(stream, FIXED_READ_BYTES);
        channel = new EmbeddedChannel(sink, anchor);
        client = channel.pipeline().context(anchor);
        if ("full".equals(capture)) {
            try {
                journalDir = Files.createTempDirectory("sluice-relay-bench-");
                journal = Journal.open(JournalSettings.builder(journalDir.resolve("journal")).mode(JournalMode.DIRECT)
                        .signingKeyFile(signed ? journalDir.resolve("journal-signing.key") : null).build());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            driver = new RelayHarness(1024 * 1024, journal.newProducer(Runnable::run));
        } else if ("off".equals(capture)) {
            driver = new RelayHarness(1024 * 1024);
        } else {
            throw new IllegalArgumentException("capture: " + capture + " (expected: off or full)");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        driver.discardPartial();
        channel.finishAndReleaseAll();
        if (journal != null) {
            journal.close();
            try {
                TempDirs.deleteRecursively(journalDir);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Response parts the captured streams appended so far (0 without capture). */
    long capturedRecords() {
        return journal == null ? 0 : driver.capturedParts();
    }

    /** Relays one whole stream; returns the bytes the client received so far. */
    @Benchmark
    @OperationsPerInvocation(SseStreams.OPENAI_EVENTS)
    public long relayOpenAiStream() {
        driver.start(client, Endpoint.CHAT_COMPLETIONS, hideUsage);
        for (int k = 0, n = plan.reads(); k < n; k++) {
            int rc = driver.onRead(plan.read(alloc, k));
            if (rc != SseScanner.OK) {
                throw new IllegalStateException("relay: rc " + rc + " at read " + k + " (expected: OK)");
            }
        }
        if (!driver.terminal() || driver.events() != SseStreams.OPENAI_EVENTS) {
            throw new IllegalStateException("relay: " + driver.events() + " events, terminal " + driver.terminal()
                    + " (expected: " + SseStreams.OPENAI_EVENTS + ", true)");
        }
        driver.takeWritten();
        driver.end();
        return sink.bytes();
    }

    ReleasingSink sink() {
        return sink;
    }

    static ByteBufAllocator allocator(String name) {
        switch (name) {
            case "default":
                return ByteBufAllocator.DEFAULT;
            case "pooled":
                return PooledByteBufAllocator.DEFAULT;
            default:
                throw new IllegalArgumentException("allocator: " + name + " (expected: default or pooled)");
        }
    }
}
