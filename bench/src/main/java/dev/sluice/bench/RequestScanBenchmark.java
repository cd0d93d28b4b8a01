package dev.sluice.bench;

import dev.sluice.bench.internal.ChatBodies;
import dev.sluice.codec.BodyRewriter;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link RequestScanner} over a typical 1 KiB chat body and a 32 KiB multi-turn one (whole-body validation plus
 * the routed members), and {@link BodyRewriter#rewrite} of the 1 KiB body (model swapped, include_usage added)
 * with the result released. Bodies sit in pooled direct buffers. Confined to the benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class RequestScanBenchmark {
    static final int SMALL_BYTES = 1024;
    static final int LARGE_BYTES = 32 * 1024;
    static final byte[] UPSTREAM_MODEL = "gpt-4o-2024-08-06".getBytes(StandardCharsets.US_ASCII);

    private final RequestScanner scanner = new RequestScanner();
    private final RequestFacts facts = new RequestFacts();
    private final RequestFacts smallFacts = new RequestFacts();
    private ByteBuf small;
    private ByteBuf large;

    @Setup(Level.Trial)
    public void setUp() {
        small = direct(ChatBodies.chat("gpt-4o", SMALL_BYTES, 0));
        large = direct(ChatBodies.chat("gpt-4o", LARGE_BYTES, 40));
        check(new RequestScanner().scan(small, smallFacts));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        small.release();
        large.release();
    }

    @Benchmark
    public long scan1KiB() {
        return scan(small);
    }

    @Benchmark
    public long scan32KiB() {
        return scan(large);
    }

    /** Rewrites the 1 KiB body for the upstream: a composite of retained slices and the inserted pieces. */
    @Benchmark
    public int rewrite1KiB() {
        ByteBuf out = BodyRewriter.rewrite(PooledByteBufAllocator.DEFAULT, small, smallFacts, UPSTREAM_MODEL, true);
        int n = out.readableBytes();
        out.release();
        return n;
    }

    long scan(ByteBuf body) {
        check(scanner.scan(body, facts));
        return facts.maxTokens ^ facts.modelEnd;
    }

    RequestFacts facts() {
        return facts;
    }

    ByteBuf small() {
        return small;
    }

    private static void check(int rc) {
        if (rc != RequestScanner.OK) {
            throw new IllegalStateException("scan: " + RequestScanner.codeName(rc) + " (expected: ok)");
        }
    }

    private static ByteBuf direct(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
    }
}
