package dev.sluice.codec.redact;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The relay path: once warmed up, accept and drain allocate nothing, redacting or not. */
class StreamRedactionAllocationTest {

    @Test
    void shouldNotAllocateInSteadyState() {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
        threads.setThreadAllocatedMemoryEnabled(true);

        byte[][] events = {
            Sse.openAiContent("The quick brown fox jumps over the lazy dog, ").getBytes(UTF_8),
            Sse.openAiContent("write to john.sm").getBytes(UTF_8),
            Sse.openAiContent("ith@example.com and call +1 555 123 4567 today ").getBytes(UTF_8),
            Sse.anthropicText("card 4111 1111 1111 1111 and \\u0040 escapes \u00e9t\u00e9, ").getBytes(UTF_8),
            Sse.anthropicPartialJson("{\"ip\": \"10.0.0.1\", \"key\": \"sk-abcdefghijklmnopqrstuvwxyz01\"} ")
                .getBytes(UTF_8),
        };
        StreamRedaction s = Redactor.builtIn().newStreamRedaction();
        RedactionCounts counts = new RedactionCounts();
        long sink = run(s, counts, events, 20_000);
        counts.clear();

        // Three rounds of 10,000 events; the least any round allocated must be zero. One round can see a few
        // hundred bytes that are not ours (the JIT deoptimizing a method re-materializes objects it had
        // scalar-replaced, on this thread); an allocation on the path itself would show in every round.
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            counts.clear();
            threads.getCurrentThreadAllocatedBytes();
            long before = threads.getCurrentThreadAllocatedBytes();
            sink += run(s, counts, events, 10_000);
            long after = threads.getCurrentThreadAllocatedBytes();
            least = Math.min(least, after - before);
            assertThat(counts.count("email")).isEqualTo(2_000);
            assertThat(counts.count("card")).isEqualTo(2_000);
        }

        assertThat(sink).isPositive();
        assertThat(least).as("bytes allocated by 10,000 accept/drain calls, least of three rounds").isZero();
    }

    private static long run(StreamRedaction s, RedactionCounts counts, byte[][] events, int n) {
        long drained = 0;
        for (int i = 0; i < n; i++) {
            byte[] e = events[i % events.length];
            s.accept(e, 0, e.length);
            drained += s.drain(counts);
        }
        return drained;
    }
}
