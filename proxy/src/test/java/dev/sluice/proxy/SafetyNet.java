package dev.sluice.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Applied to every test class of this module (JUnit extension auto-detection): installs BlockHound, which fails
 * any blocking call made on a Netty event loop, and a leak detector factory that records every buffer leak
 * paranoid detection finds. After each class, a recorded blocking call or leak fails that class.
 */
public final class SafetyNet implements BeforeAllCallback, AfterAllCallback {
    static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<String> BLOCKING = new ConcurrentLinkedQueue<>();

    static {
        // Must run before the first buffer class is initialised, so every detector is a recording one.
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
        BlockHound.install(builder -> builder.blockingMethodCallback(m -> {
            BLOCKING.add(m.toString() + " on " + Thread.currentThread().getName());
            throw new BlockingOperationError(m);
        }));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        LEAKS.clear();
        BLOCKING.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        collectLeaks();
        List<String> leaks = new ArrayList<>(LEAKS);
        List<String> blocking = new ArrayList<>(BLOCKING);
        LEAKS.clear();
        BLOCKING.clear();
        if (TestGateway.SCANNED_FILES.get() > 0) {
            System.out.printf("F1 canary scan after %s: %d files (%.1f MB) written by test gateways so far, 0 canary "
                    + "secrets found%n", context.getDisplayName(), TestGateway.SCANNED_FILES.get(),
                    TestGateway.SCANNED_BYTES.get() / 1e6);
        }
        if (!blocking.isEmpty()) {
            throw new AssertionError("blocking call on an event loop: " + blocking);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " buffer leak(s):\n" + String.join("\n\n", leaks));
        }
    }

    /** Drives leak detection: leaks surface when collected references are polled on the next allocations. */
    static void collectLeaks() throws InterruptedException {
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
