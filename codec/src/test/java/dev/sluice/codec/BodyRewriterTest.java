package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BodyRewriterTest {
    private static final ObjectMapper JACKSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private final RequestScanner scanner = new RequestScanner();
    private final RequestFacts facts = new RequestFacts();

    /** Rewrites body and returns the output text; checks ownership: body untouched, output released. */
    private String rewrite(byte[] body, String newModel, boolean force) {
        ByteBuf in = ALLOC.buffer(body.length + 8).writeBytes(new byte[3]).writeBytes(body);
        in.readerIndex(3);
        try {
            assertThat(scanner.scan(in, facts)).isEqualTo(RequestScanner.OK);
            byte[] model = newModel == null ? null : newModel.getBytes(StandardCharsets.UTF_8);
            ByteBuf out = BodyRewriter.rewrite(ALLOC, in, facts, model, force);
            try {
                assertThat(in.refCnt()).isEqualTo(out instanceof CompositeByteBuf ? 1 + componentsOf(out) : 2);
                assertThat(in.readerIndex()).isEqualTo(3);
                assertThat(in.writerIndex()).isEqualTo(3 + body.length);
                return out.toString(StandardCharsets.UTF_8);
            } finally {
                assertThat(out.release()).isTrue();
                assertThat(in.refCnt()).isEqualTo(1);
            }
        } finally {
            in.release();
        }
    }

    /** How many slices of the input a composite holds (each holds one reference). */
    private static int componentsOf(ByteBuf out) {
        CompositeByteBuf composite = (CompositeByteBuf) out;
        int slices = 0;
        for (int i = 0; i < composite.numComponents(); i++) {
            if (composite.internalComponent(i).unwrap() != null) {
                slices++;
            }
        }
        return slices;
    }

    private static JsonNode expected(byte[] body, String newModelEscaped, boolean force) throws Exception {
        ObjectNode tree = (ObjectNode) JACKSON.readTree(body);
        if (newModelEscaped != null) {
            tree.set("model", JACKSON.readTree("\"" + newModelEscaped + "\""));
        }
        if (force) {
            JsonNode options = tree.get("stream_options");
            if (options == null || options.isNull()) {
                tree.set("stream_options", JACKSON.createObjectNode().put("include_usage", true));
            } else {
                ((ObjectNode) options).put("include_usage", true);
            }
        }
        return tree;
    }

    private void check(String body, String newModel, boolean force) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String out = rewrite(bytes, newModel, force);
        assertThat(JACKSON.readTree(out)).as(out).isEqualTo(expected(bytes, newModel, force));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{ }", "{\n}", "{\"a\":1}", "{\"model\":\"m\"}", "{\"stream_options\":{}}",
        "{\"stream_options\":{ }}", "{\"stream_options\":null}", "{\"stream_options\":{\"include_usage\":false}}",
        "{\"stream_options\":{\"include_usage\":null}}", "{\"stream_options\":{\"include_usage\":true}}",
        "{\"stream_options\":{\"include_obfuscation\":false}}",
        "{\"stream\":true,\"stream_options\":{\"include_obfuscation\":false},\"model\":\"x\"}",
        "{\"model\":\"x\",\"stream_options\":{\"include_usage\" : false },\"x\":[{\"model\":\"y\"}]}",
        " {\"model\" : \"a\\\"b\" } "})
    void shouldProduceJsonEqualToTheInputWithTheEdits(String body) throws Exception {
        for (String model : new String[] {null, "gpt-4o-mini", "", "we\\\"ird\\u00e9"}) {
            check(body, model, false);
            check(body, model, true);
        }
    }

    @Test
    void shouldInsertExactBytesForAnEmptyObject() {
        assertThat(rewrite("{}".getBytes(StandardCharsets.US_ASCII), null, true))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true}}");
        assertThat(rewrite("{}".getBytes(StandardCharsets.US_ASCII), "m", true))
                .isEqualTo("{\"model\":\"m\",\"stream_options\":{\"include_usage\":true}}");
        assertThat(rewrite("{\"a\":1}".getBytes(StandardCharsets.US_ASCII), null, true))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"a\":1}");
        assertThat(rewrite("{\"stream_options\":{}}".getBytes(StandardCharsets.US_ASCII), null, true))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true}}");
        assertThat(rewrite("{\"stream_options\":{\"include_usage\":false},\"model\":\"a\"}"
                .getBytes(StandardCharsets.US_ASCII), "bb", true))
                .isEqualTo("{\"stream_options\":{\"include_usage\":true},\"model\":\"bb\"}");
    }

    @Test
    void shouldReturnAnOwnedSliceWhenNothingChanges() {
        byte[] body = "{\"model\":\"m\",\"stream_options\":{\"include_usage\":true}}".getBytes(StandardCharsets.UTF_8);
        assertThat(rewrite(body, null, true)).isEqualTo(new String(body, StandardCharsets.UTF_8));
        assertThat(rewrite(body, null, false)).isEqualTo(new String(body, StandardCharsets.UTF_8));
    }

    @Test
    void shouldAgreeWithJacksonOnRandomBodies() throws Exception {
        RandomJson gen = new RandomJson(4242L);
        for (int n = 0; n < 3_000; n++) {
            byte[] body = gen.requestBody();
            String model = n % 3 == 0 ? null : "model-" + n + (n % 5 == 0 ? "\\n\\u4e2d" : "");
            boolean force = n % 2 == 0;
            String out = rewrite(body, model, force);
            assertThat(JACKSON.readTree(out)).as(out).isEqualTo(expected(body, model, force));
        }
    }

    @Test
    void shouldRefuseFactsThatDoNotDescribeTheBody() {
        ByteBuf in = Unpooled.copiedBuffer("{}", StandardCharsets.US_ASCII);
        try {
            assertThatThrownBy(() -> BodyRewriter.rewrite(ALLOC, in, new RequestFacts(), null, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(in.refCnt()).isEqualTo(1);
        } finally {
            in.release();
        }
    }
}
