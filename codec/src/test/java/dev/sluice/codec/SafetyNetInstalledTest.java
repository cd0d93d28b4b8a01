package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.testsupport.SafetyNet;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.Test;

/** The codec's tests run under the project's safety net too: a buffer a test forgets to release is found. */
class SafetyNetInstalledTest {

    @Test
    void shouldRecordABufferThatWasNeverReleased() throws Exception {
        assertThat(ResourceLeakDetectorFactory.instance().getClass().getName())
            .startsWith(SafetyNet.class.getName());
        try {
            leak();
            for (int i = 0; i < 20 && SafetyNet.LEAKS.isEmpty(); i++) {
                SafetyNet.collectLeaks();
            }
            assertThat(SafetyNet.LEAKS).anyMatch(s -> s.contains("LEAK"));
        } finally {
            SafetyNet.LEAKS.clear();
        }
    }

    private static void leak() {
        ByteBuf lost = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        lost.writeLong(42);
    }
}
