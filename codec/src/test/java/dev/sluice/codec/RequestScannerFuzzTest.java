package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing of {@link RequestScanner} (RELIABILITY.md A8): any bytes give a result code and no
 * exception, the same code and facts on a second scan, and a body the scanner accepts is a JSON object to Jackson
 * with the same {@code model}. In {@code mvn verify} the committed inputs run as regression tests, and the target
 * is fuzzed for a bounded time (see the fuzz executions in the pom and "Fuzzing" in the README).
 */
class RequestScannerFuzzTest {
    /** The oracle: duplicates of members the scanner does not track are JSON all the same (the last one wins). */
    private static final ObjectMapper JACKSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private final RequestScanner scanner = new RequestScanner();
    private final RequestFacts facts = new RequestFacts();
    private final RequestFacts again = new RequestFacts();

    @FuzzTest(maxDuration = "20s")
    void scan(byte[] body) throws Exception {
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        int code = scanner.scan(buf, facts);
        String param = scanner.errorParam();
        assertThat(scanner.scan(buf, again)).isEqualTo(code);
        assertThat(scanner.errorParam()).isEqualTo(param);
        if (code != RequestScanner.OK) {
            return;
        }
        JsonNode tree = JACKSON.readTree(body);
        assertThat(tree.isObject()).isTrue();
        assertThat(facts.modelStart >= 0).isEqualTo(tree.path("model").isTextual());
        if (facts.modelStart >= 0) {
            assertThat(facts.model(buf)).isEqualTo(tree.get("model").textValue());
        }
        assertThat(new String(body, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8)).isEqualTo(body);
    }
}
