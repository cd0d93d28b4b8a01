package dev.sluice.testsupport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The safety net every test class of every module runs under (registered through {@code META-INF/services} and
 * JUnit's extension auto-detection, which the build turns on): installs BlockHound, which fails any blocking call
 * made on a Netty event loop, and a leak detector factory that records every buffer leak paranoid detection finds,
 * and reads every line the tests' JVM prints. After each class, a recorded blocking call or leak fails that class,
 * and so does a journal write that Chronicle reports as misused (an appender context closed twice: two writers on
 * one queue) and a log line that carries one of the secrets registered with {@link #watchForSecrets}
 * (RELIABILITY.md F1).
 * <p>
 * Thread-safe: the records are concurrent queues, filled from any thread.
 */
public final class SafetyNet implements BeforeAllCallback, AfterAllCallback {
    /** Buffer leaks found since the class began. */
    public static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    /** Blocking calls made on an event loop since the class began. */
    public static final ConcurrentLinkedQueue<String> BLOCKING = new ConcurrentLinkedQueue<>();
    /** Gateway log lines that carried a watched secret (RELIABILITY.md F1). */
    public static final ConcurrentLinkedQueue<String> CANARY_LOG_LINES = new ConcurrentLinkedQueue<>();
    /** Gateway log lines read, over the whole run. */
    public static final AtomicLong LOG_LINES = new AtomicLong();
    /** Chronicle's warnings about a misused appender: each queue must have one writer. */
    public static final ConcurrentLinkedQueue<String> CHRONICLE_MISUSE = new ConcurrentLinkedQueue<>();
    /** Files and bytes that tests scanned for watched secrets, over the whole run (reported after each class). */
    public static final AtomicLong SCANNED_FILES = new AtomicLong();
    public static final AtomicLong SCANNED_BYTES = new AtomicLong();
    private static final List<String> SECRETS = new CopyOnWriteArrayList<>();
    private static final String[] CHRONICLE_MISUSE_MARKS = {"close was called twice", "Couldn't acquire write lock"};

    static {
        // Before any logger binds to them: every log line the gateways write goes through the canary scan.
        System.setOut(new CanaryScan(System.out));
        System.setErr(new CanaryScan(System.err));
        // Must run before the first buffer class is initialised, so every detector is a recording one.
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        BlockHound.install(builder -> builder
                // When an appender acquires a cycle file (its first write, or a roll) Chronicle hands the file
                // listener's notification to its releaser thread through a blocking queue: the lock is held only to
                // enqueue or take, so a writer may park for microseconds while the releaser takes. Not a wait on
                // I/O or on other work; what remains of this hazard is in the issue 12 note (PrivateFiles).
                .allowBlockingCallsInside("net.openhft.chronicle.core.io.BackgroundResourceReleaser", "release0")
                .blockingMethodCallback(m -> {
                    BLOCKING.add(m.toString() + " on " + Thread.currentThread().getName() + callers());
                    throw new BlockingOperationError(m);
                }));
    }

    /**
     * The frames that led to a blocking call, without BlockHound's own and the JDK's below the first caller: enough
     * to name the code that blocked when a run on another machine reports it.
     */
    private static String callers() {
        StringBuilder out = new StringBuilder();
        int shown = 0;
        for (StackTraceElement frame : new Throwable().getStackTrace()) {
            String cls = frame.getClassName();
            if (cls.startsWith("reactor.blockhound") || cls.startsWith("dev.sluice.testsupport.SafetyNet")) {
                continue;
            }
            if (shown == 0 || !cls.startsWith("io.netty.util.concurrent") && !cls.startsWith("io.netty.channel.nio")) {
                out.append("\n    at ").append(frame);
                if (++shown == 24) {
                    break;
                }
            }
        }
        return out.toString();
    }

    /** Adds secrets (client keys, provider keys, admin tokens the tests use) that no log line may carry. */
    public static void watchForSecrets(Collection<String> secrets) {
        for (String secret : secrets) {
            if (!SECRETS.contains(secret)) {
                SECRETS.add(secret);
            }
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LEAKS.clear();
        BLOCKING.clear();
        CHRONICLE_MISUSE.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        collectLeaks();
        List<String> leaks = new ArrayList<>(LEAKS);
        List<String> blocking = new ArrayList<>(BLOCKING);
        LEAKS.clear();
        BLOCKING.clear();
        List<String> canaryLines = new ArrayList<>(CANARY_LOG_LINES);
        CANARY_LOG_LINES.clear();
        List<String> chronicle = new ArrayList<>(CHRONICLE_MISUSE);
        CHRONICLE_MISUSE.clear();
        if (!canaryLines.isEmpty()) {
            throw new AssertionError("canary secret in a log line: " + canaryLines);
        }
        if (SCANNED_FILES.get() > 0) {
            System.out.printf("F1 canary scan after %s: %d files (%.1f MB) written by test gateways and %d log lines "
                    + "so far, 0 canary secrets found%n", context.getDisplayName(), SCANNED_FILES.get(),
                    SCANNED_BYTES.get() / 1e6, LOG_LINES.get());
        }
        if (!blocking.isEmpty()) {
            throw new AssertionError("blocking call on an event loop: " + blocking);
        }
        if (!chronicle.isEmpty()) {
            throw new AssertionError(chronicle.size() + " journal write warning(s), first: " + chronicle.get(0));
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer leak(s):\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * Passes everything through and checks each log line (the gateways' logger writes lines that start with an
     * ISO timestamp) for the tests' canary secrets.
     */
    private static final class CanaryScan extends PrintStream {
        private final StringBuilder line = new StringBuilder();

        CanaryScan(PrintStream out) {
            super(out, true);
        }

        @Override
        public synchronized void write(int b) {
            super.write(b);
            scan((char) (b & 0xff));
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) {
            super.write(buf, off, len);
            for (int i = off; i < off + len; i++) {
                scan((char) (buf[i] & 0xff));
            }
        }

        private void scan(char c) {
            if (c != '\n') {
                if (line.length() < 64 * 1024) {
                    line.append(c);
                }
                return;
            }
            for (String mark : CHRONICLE_MISUSE_MARKS) {
                if (line.indexOf(mark) >= 0) {
                    CHRONICLE_MISUSE.add(line.toString());
                }
            }
            if (line.length() > 20 && Character.isDigit(line.charAt(0)) && line.charAt(4) == '-'
                    && line.charAt(10) == 'T') {
                LOG_LINES.incrementAndGet();
                String l = line.toString();
                for (String canary : SECRETS) {
                    if (l.contains(canary)) {
                        CANARY_LOG_LINES.add(l);
                    }
                }
            }
            line.setLength(0);
        }
    }

    /** Drives leak detection: leaks surface when collected references are polled on the next allocations. */
    public static void collectLeaks() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            for (int j = 0; j < 64; j++) {
                ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
                b.release();
                ByteBuf h = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
                h.release();
            }
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new ResourceLeakDetector<T>(resource, samplingInterval, maxActive) {
                @Override
                protected void reportTracedLeak(String resourceType, String records) {
                    LEAKS.add("LEAK " + resourceType + records);
                    super.reportTracedLeak(resourceType, records);
                }

                @Override
                protected void reportUntracedLeak(String resourceType) {
                    LEAKS.add("LEAK " + resourceType + " (untraced)");
                    super.reportUntracedLeak(resourceType);
                }
            };
        }
    }
}
