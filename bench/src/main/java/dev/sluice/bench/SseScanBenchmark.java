package dev.sluice.bench;

import dev.sluice.bench.internal.SseStreams;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseListener;
import dev.sluice.codec.SseScanner;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link SseScanner} over a whole upstream stream held in one pooled direct buffer: event boundaries, flags,
 * usage and finish reason, reported per event. The scanner and usage holder are reused across streams, as one
 * connection reuses them. Confined to the benchmark thread.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {JvmFlags.EXPORT_MISC, JvmFlags.OPEN_REFLECT, JvmFlags.EXPORT_NIO_CH,
    JvmFlags.EXPORT_REF, JvmFlags.OPEN_LANG, JvmFlags.OPEN_NIO, JvmFlags.OPEN_NIO_CH, JvmFlags.EXPORT_JAVAC_FILE,
    JvmFlags.NO_ANALYTICS, JvmFlags.NO_ANNOUNCER, JvmFlags.EXECUTOR, JvmFlags.EXECUTOR_CLASS})
@State(Scope.Thread)
public class SseScanBenchmark {
    private final SseScanner scanner = new SseScanner(1024 * 1024);
    private final Usage usage = new Usage();
    private final SseListener listener = this::onEvent;
    private ByteBuf openAi;
    private ByteBuf anthropic;
    private int events;
    private int flags;

    @Setup(Level.Trial)
    public void setUp() {
        openAi = direct(SseStreams.openAi());
        anthropic = direct(SseStreams.anthropic());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        openAi.release();
        anthropic.release();
    }

    /** OpenAI chat stream with include_usage: role, 20 content chunks, finish, usage, [DONE]. */
    @Benchmark
    @OperationsPerInvocation(SseStreams.OPENAI_EVENTS)
    public int openAiChat() {
        return scan(openAi, Endpoint.CHAT_COMPLETIONS, SseStreams.OPENAI_EVENTS);
    }

    /** Anthropic Messages stream: start, block start, ping, 20 text deltas, block stop, message_delta, stop. */
    @Benchmark
    @OperationsPerInvocation(SseStreams.ANTHROPIC_EVENTS)
    public int anthropicMessages() {
        return scan(anthropic, Endpoint.MESSAGES, SseStreams.ANTHROPIC_EVENTS);
    }

    int scan(ByteBuf stream, Endpoint endpoint, int expectedEvents) {
        scanner.reset(endpoint, usage);
        events = 0;
        flags = 0;
        int rc = scanner.scan(stream, listener);
        // A wrong count would make the per-event figure a lie: fail the run rather than report it.
        if (rc != SseScanner.OK || events != expectedEvents) {
            throw new IllegalStateException("scan: rc " + rc + ", " + events + " events (expected: OK, "
                    + expectedEvents + ")");
        }
        return flags ^ (int) usage.outputTokens;
    }

    Usage usage() {
        return usage;
    }

    private void onEvent(int eventEndIndex, int eventFlags) {
        events++;
        flags |= eventFlags;
    }

    private static ByteBuf direct(byte[] bytes) {
        return PooledByteBufAllocator.DEFAULT.directBuffer(bytes.length, bytes.length).writeBytes(bytes);
    }
}
