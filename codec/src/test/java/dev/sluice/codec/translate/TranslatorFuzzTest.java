package dev.sluice.codec.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.ManualClock;
import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of the translators between the OpenAI and Anthropic dialects (RELIABILITY.md A8): for
 * any request body the request scanner accepts (the gateway refuses the others first), any response body and any
 * stream bytes, a translator either refuses with a
 * {@link TranslationException} (a request or response) or a non-OK result (a stream), or produces JSON that
 * parses; it throws nothing else.
 */
class TranslatorFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Dialect[] DIALECTS = Dialect.values();
    private final RequestScanner scanner = new RequestScanner();
    private final RequestFacts facts = new RequestFacts();

    @FuzzTest(maxDuration = "20s")
    void translate(FuzzedDataProvider data) throws Exception {
        // The gateway translates only between different dialects (the same one passes through untouched).
        Dialect from = data.pickValue(DIALECTS);
        Dialect to = from == Dialect.OPENAI ? Dialect.ANTHROPIC : Dialect.OPENAI;
        int what = data.consumeInt(0, 2);
        byte[] bytes = data.consumeRemainingAsBytes();
        ByteBuf in = Unpooled.wrappedBuffer(bytes);
        ByteBuf out = null;
        try {
            if (what == 0) {
                if (scanner.scan(in, facts) != RequestScanner.OK) {
                    return; // the gateway refuses such a body before any translation
                }
                out = RequestTranslator.translate(ByteBufAllocator.DEFAULT, in, from, to, "model-x", bytes.length % 2 == 0,
                        1024, new TranslationWarnings());
                assertThat(JSON.readTree(out.toString(StandardCharsets.UTF_8)).isObject()).isTrue();
            } else if (what == 1) {
                out = ResponseTranslator.translate(ByteBufAllocator.DEFAULT, in, from, to, new Usage(),
                        new TranslationWarnings(), new ManualClock(1_700_000_000_000_000L));
                assertThat(JSON.readTree(out.toString(StandardCharsets.UTF_8)).isObject()).isTrue();
            } else {
                StreamTranslator t = StreamTranslators.create(from, to, "model-x", true, 1 << 16, new Usage(),
                        new TranslationWarnings());
                out = Unpooled.buffer();
                int rc = t.onBytes(in, out);
                assertThat(rc).isIn(StreamTranslator.OK, StreamTranslator.MALFORMED, StreamTranslator.TOO_LARGE);
                assertThat(in.isReadable()).isFalse();
            }
        } catch (TranslationException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        } finally {
            in.release();
            if (out != null) {
                out.release();
            }
        }
    }
}
