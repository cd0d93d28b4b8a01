package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.SafetyNet;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Proves the suite's safety net can fail: a blocking call on an event loop and a leaked buffer are both seen. */
@Timeout(60)
class SafetyNetTest {

    @Test
    void shouldCatchBlockingCallOnEventLoop() throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Throwable thrown = null;
            try {
                group.submit(() -> {
                    Thread.sleep(1);
                    return null;
                }).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                thrown = e.getCause();
            }
            assertThat(thrown).isNotNull().hasMessageContaining("Thread.sleep");
            assertThat(SafetyNet.BLOCKING).anyMatch(s -> s.contains("sleep"));
        } finally {
            SafetyNet.BLOCKING.clear();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void shouldFindACanarySecretInAFileAndAcrossAChunkBoundary(@TempDir java.nio.file.Path dir) throws Exception {
        byte[] data = new byte[(1 << 20) + 4096];
        byte[] secret = TestGateway.DEMO_KEY.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        // Straddling the 1 MiB chunk boundary of the scan.
        System.arraycopy(secret, 0, data, (1 << 20) - 5, secret.length);
        java.nio.file.Files.write(dir.resolve("journal.cq4"), data);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.assertNoCanaryIn(dir))
                .hasMessageContaining("canary secret");
        java.nio.file.Files.write(dir.resolve("journal.cq4"), new byte[data.length]);
        TestGateway.assertNoCanaryIn(dir);
    }

    @Test
    void shouldCatchLeakedBuffer() throws Exception {
        leakOne();
        for (int i = 0; i < 20 && SafetyNet.LEAKS.isEmpty(); i++) {
            SafetyNet.collectLeaks();
        }
        assertThat(SafetyNet.LEAKS).anyMatch(s -> s.contains("LEAK"));
        SafetyNet.LEAKS.clear();
    }

    private static void leakOne() {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(32);
        b.writeLong(42);
        // Not released on purpose.
    }
}
