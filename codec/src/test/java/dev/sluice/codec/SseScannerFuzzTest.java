package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.util.Arrays;

/**
 * Coverage-guided fuzzing of {@link SseScanner} against {@link ReferenceSseScanner} (RELIABILITY.md A8): for any
 * bytes cut anywhere, the fast scanner reports the events, ends, flags, usage, finish reason and frame limit the
 * byte-at-a-time reference does (only {@code CONTENT} may differ on malformed JSON, as documented), and throws
 * nothing.
 */
class SseScannerFuzzTest {
    private static final Endpoint[] STREAMED = {Endpoint.CHAT_COMPLETIONS, Endpoint.COMPLETIONS, Endpoint.RESPONSES,
        Endpoint.MESSAGES};

    @FuzzTest(maxDuration = "20s")
    void scan(FuzzedDataProvider data) {
        Endpoint e = data.pickValue(STREAMED);
        int max = data.consumeBoolean() ? data.consumeInt(1, 512) : 1 << 16;
        int[] cuts = new int[data.consumeInt(0, 4)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 1 << 12);
        }
        byte[] bytes = data.consumeRemainingAsBytes();
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = Math.min(cuts[i], bytes.length);
        }
        Arrays.sort(cuts);
        int noContent = ~SseScanner.CONTENT;
        assertThat(SseScannerEquivalenceTest.trace(SseScannerEquivalenceTest.fast(max), e, bytes, cuts, noContent,
                false)).isEqualTo(SseScannerEquivalenceTest.trace(SseScannerEquivalenceTest.reference(max), e, bytes,
                cuts, noContent, false));
    }
}
