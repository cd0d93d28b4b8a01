package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RequestScannerTest {
    private static final ObjectMapper JACKSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final RequestScanner scanner = new RequestScanner();
    private final RequestFacts facts = new RequestFacts();

    private int scan(byte[] body) {
        ByteBuf buf = Fixtures.offsetBuffer(body, 0, body.length, 5);
        try {
            int code = scanner.scan(buf, facts);
            assertThat(buf.readerIndex()).isEqualTo(5);
            assertThat(buf.writerIndex()).isEqualTo(5 + body.length);
            return code;
        } finally {
            buf.release();
        }
    }

    private int scan(String body) {
        return scan(body.getBytes(StandardCharsets.UTF_8));
    }

    /** Scans and returns the decoded value of [start, end) as the scanner saw it, offsets undone. */
    private static String slice(String body, int start, int end) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return new String(bytes, start - 5, end - start, StandardCharsets.UTF_8);
    }

    @Test
    void shouldNameTheMemberItRefusesAndForgetItOnTheNextScan() {
        String[][] cases = {
            {"{\"model\":1}", "model"},
            {"{\"stream\":\"yes\"}", "stream"},
            {"{\"stream_options\":3}", "stream_options"},
            {"{\"stream_options\":{\"include_usage\":\"y\"}}", "stream_options.include_usage"},
            {"{\"max_tokens\":-1}", "max_tokens"},
            {"{\"max_completion_tokens\":\"10\"}", "max_completion_tokens"},
            {"{\"max_output_tokens\":2.5}", "max_output_tokens"},
            {"{\"user\":\"a\",\"user\":\"b\"}", "user"},
            {"{\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}",
                "stream_options.include_usage"},
        };
        for (String[] c : cases) {
            assertThat(scan(c[0])).as(c[0]).isNotEqualTo(RequestScanner.OK);
            assertThat(scanner.errorParam()).as(c[0]).isEqualTo(c[1]);
        }
        assertThat(scan("{\"model\":")).isEqualTo(RequestScanner.MALFORMED_JSON);
        assertThat(scanner.errorParam()).isNull();
        assertThat(scan("{\"model\":\"m\"}")).isEqualTo(RequestScanner.OK);
        assertThat(scanner.errorParam()).isNull();
    }

    @Test
    void shouldRefuseAbusiveParametersAndNameThem() {
        String tools129 = "[" + "{\"type\":\"function\"},".repeat(128) + "{}]";
        StringBuilder bias = new StringBuilder("{");
        for (int t = 0; t <= RequestScanner.MAX_LOGIT_BIAS; t++) {
            bias.append(t == 0 ? "" : ",").append('"').append(t).append("\":1");
        }
        Object[][] cases = {
            {"{\"n\":129}", RequestScanner.OUT_OF_RANGE, "n"},
            {"{\"n\":0}", RequestScanner.OUT_OF_RANGE, "n"},
            {"{\"n\":2.5}", RequestScanner.OUT_OF_RANGE, "n"},
            {"{\"n\":\"3\"}", RequestScanner.OUT_OF_RANGE, "n"},
            {"{\"tools\":" + tools129 + "}", RequestScanner.OUT_OF_RANGE, "tools"},
            {"{\"logit_bias\":" + bias + "}}", RequestScanner.OUT_OF_RANGE, "logit_bias"},
            {"{\"api_base\":\"http://169.254.169.254\"}", RequestScanner.STEERING_MEMBER, "api_base"},
            {"{\"model\":\"m\",\"base_url\":\"x\"}", RequestScanner.STEERING_MEMBER, "base_url"},
            {"{\"api_key\":null}", RequestScanner.STEERING_MEMBER, "api_key"},
            {"{\"extra_headers\":{\"a\":\"b\"}}", RequestScanner.STEERING_MEMBER, "extra_headers"},
            {"{\"user_id\":\"u\"}", RequestScanner.STEERING_MEMBER, "user_id"},
            {"{\"metadata\":{\"api_base\":\"x\"}}", RequestScanner.STEERING_MEMBER, "metadata.api_base"},
            {"{\"metadata\":{\"a\":1,\"extra_headers\":{}}}", RequestScanner.STEERING_MEMBER,
                "metadata.extra_headers"},
            {"{\"litellm_config\":{\"api_key\":\"k\"}}", RequestScanner.STEERING_MEMBER, "litellm_config.api_key"},
            {"{\"router_config\":{\"user_id\":\"k\"}}", RequestScanner.STEERING_MEMBER, "router_config.user_id"},
            {"{\"\\u0061pi_base\":\"x\"}", RequestScanner.STEERING_MEMBER, "api_base"},
        };
        for (Object[] c : cases) {
            assertThat(scan((String) c[0])).as((String) c[0]).isEqualTo(c[1]);
            assertThat(scanner.errorParam()).as((String) c[0]).isEqualTo(c[2]);
        }
        // What stays allowed: the limits themselves, Anthropic's end-user id, and the same names deeper down (a tool
        // may well take an "api_key" parameter).
        String[] allowed = {
            "{\"n\":128,\"tools\":[" + "{},".repeat(127) + "{}]}",
            "{\"n\":1,\"stream\":true}",
            "{\"metadata\":{\"user_id\":\"end-user-7\"}}",
            "{\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\","
                + "\"properties\":{\"api_key\":{\"type\":\"string\"},\"base_url\":{\"type\":\"string\"}}}}}]}",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"api_base\"}],\"my_config\":[{\"api_key\":1}]}",
        };
        for (String body : allowed) {
            assertThat(scan(body)).as(body).isEqualTo(RequestScanner.OK);
        }
    }

    @Test
    void shouldRefuseStringsThatAreNotUtf8() {
        int[][] bad = {
            {0x80}, {0xbf}, {0xc0, 0xaf}, {0xc1, 0xbf}, {0xe0, 0x80, 0xaf}, {0xed, 0xa0, 0x80}, {0xed, 0xbf, 0xbf},
            {0xf0, 0x80, 0x80, 0xaf}, {0xf4, 0x90, 0x80, 0x80}, {0xf5, 0x80, 0x80, 0x80}, {0xff}, {0xc3},
            {0xe2, 0x82}, {0xc3, 0x28}, {0xe2, 0x28, 0xa1},
        };
        for (int[] seq : bad) {
            byte[] body = utf8Case(seq);
            assertThat(scan(body)).as(Arrays.toString(seq)).isEqualTo(RequestScanner.INVALID_UNICODE);
        }
        String[] good = {"\u00e9", "\u20ac", "\ud55c", "\ud83d\ude00", "\uffff", "\u0800", "\ud7ff", "\ue000",
            "\udbff\udfff"};
        for (String g : good) {
            assertThat(scan("{\"content\":\"a" + g + "b\"}")).as(g).isEqualTo(RequestScanner.OK);
        }
        // Surrogate escapes: paired or refused (a lone one is no character; JSON parsers disagree on it).
        for (String lone : new String[] {"\\ud800", "\\udc00", "\\ud800x", "\\ud800\\u0041", "\\ud800\\ud800",
            "\\ud800\\n", "\\udbff\\"}) {
            assertThat(scan("{\"content\":\"a" + lone + "b\"}")).as(lone).isEqualTo(RequestScanner.INVALID_UNICODE);
            assertThat(scan("{\"k" + lone + "\":1}")).as("key " + lone).isEqualTo(RequestScanner.INVALID_UNICODE);
        }
        for (String pair : new String[] {"\\ud83d\\ude00", "\\uD83D\\uDE00", "\\udbff\\udfff", "\\u00e9\\ud800\\udc00"}) {
            assertThat(scan("{\"content\":\"a" + pair + "b\"}")).as(pair).isEqualTo(RequestScanner.OK);
        }
    }

    /** {@code {"content":"a<bytes>b"}} with {@code seq} as raw bytes. */
    private static byte[] utf8Case(int[] seq) {
        byte[] head = "{\"content\":\"a".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "b\"}".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[head.length + seq.length + tail.length];
        System.arraycopy(head, 0, out, 0, head.length);
        for (int k = 0; k < seq.length; k++) {
            out[head.length + k] = (byte) seq[k];
        }
        System.arraycopy(tail, 0, out, head.length + seq.length, tail.length);
        return out;
    }

    @Test
    void shouldRecordTopLevelMembersAndIgnoreNestedOnes() {
        String body = "{\"messages\":[{\"model\":\"decoy\",\"stream\":\"x\",\"max_tokens\":-1,\"user\":5}],"
                + "\"metadata\":{\"model\":\"m2\",\"stream_options\":7},\"model\":\"gpt-4o\",\"stream\":true,"
                + "\"tools\":[{\"max_completion_tokens\":\"no\"}],\"max_tokens\":300,\"user\":\"u-1\"}";
        assertThat(scan(body)).isEqualTo(RequestScanner.OK);
        assertThat(slice(body, facts.modelStart, facts.modelEnd)).isEqualTo("gpt-4o");
        assertThat(facts.hasStream).isTrue();
        assertThat(facts.stream).isTrue();
        assertThat(facts.maxTokens).isEqualTo(300);
        assertThat(slice(body, facts.userStart, facts.userEnd)).isEqualTo("u-1");
        assertThat(slice(body, facts.metadataStart, facts.metadataEnd))
                .isEqualTo("{\"model\":\"m2\",\"stream_options\":7}");
        assertThat(facts.streamOptionsStart).isEqualTo(-1);
        assertThat(facts.includeUsage).isEqualTo(-1);
        assertThat(facts.objectStart).isEqualTo(5);
        assertThat(facts.objectEnd).isEqualTo(5 + body.length());
        assertThat(facts.topLevelKeys).isEqualTo(7);
        assertThat(facts.modelHasEscape).isFalse();
    }

    @Test
    void shouldPreferMaxCompletionTokensThenMaxTokensThenMaxOutputTokens() {
        assertThat(scan("{\"max_output_tokens\":1,\"max_tokens\":2,\"max_completion_tokens\":3}")).isZero();
        assertThat(facts.maxTokens).isEqualTo(3);
        assertThat(scan("{\"max_output_tokens\":1,\"max_tokens\":2}")).isZero();
        assertThat(facts.maxTokens).isEqualTo(2);
        assertThat(scan("{\"max_output_tokens\":0}")).isZero();
        assertThat(facts.maxTokens).isZero();
        assertThat(scan("{\"max_tokens\":null}")).isZero();
        assertThat(facts.maxTokens).isEqualTo(-1);
    }

    @Test
    void shouldRecordStreamOptionsAndIncludeUsage() {
        String body = "{ \"stream\" : false , \"stream_options\" : { \"x\" : [1, {\"include_usage\": 3}],"
                + " \"include_usage\" :\tfalse } }";
        assertThat(scan(body)).isZero();
        assertThat(facts.hasStream).isTrue();
        assertThat(facts.stream).isFalse();
        assertThat(slice(body, facts.streamOptionsStart, facts.streamOptionsEnd))
                .isEqualTo("{ \"x\" : [1, {\"include_usage\": 3}], \"include_usage\" :\tfalse }");
        assertThat(facts.includeUsage).isZero();
        assertThat(slice(body, facts.includeUsageValueStart, facts.includeUsageValueEnd)).isEqualTo("false");
        assertThat(facts.streamOptionsKeys).isEqualTo(2);

        assertThat(scan("{\"stream_options\":{\"include_usage\":true}}")).isZero();
        assertThat(facts.includeUsage).isEqualTo(1);
        assertThat(scan("{\"stream_options\":null,\"stream\":null}")).isZero();
        assertThat(facts.streamOptionsNull).isTrue();
        assertThat(facts.hasStream).isFalse();
        assertThat(facts.streamOptionsEnd - facts.streamOptionsStart).isEqualTo(4);
    }

    @Test
    void shouldHandleEscapesAndUnicodeInStrings() {
        String body = "{\"model\":\"gpt\\\"4o\\\\\\u00e9\\/x\",\"user\":\"\u4e2d\ud83d\ude00\\n\"}";
        assertThat(scan(body)).isZero();
        assertThat(facts.modelHasEscape).isTrue();
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            assertThat(scanner.scan(buf, facts)).isZero();
            assertThat(facts.model(buf)).isEqualTo("gpt\"4o\\\u00e9/x");
            assertThat(facts.user(buf)).isEqualTo("\u4e2d\ud83d\ude00\n");
            assertThat(facts.modelEquals(buf, "gpt\\\"4o".getBytes(StandardCharsets.US_ASCII))).isFalse();
        } finally {
            buf.release();
        }
        String raw = "{\"model\":\"mod\u00e8le-\u4e2d\"}";
        ByteBuf rawBuf = Unpooled.copiedBuffer(raw, StandardCharsets.UTF_8);
        try {
            assertThat(scanner.scan(rawBuf, facts)).isZero();
            assertThat(facts.modelHasEscape).isFalse();
            assertThat(facts.model(rawBuf)).isEqualTo("mod\u00e8le-\u4e2d");
            assertThat(facts.modelEquals(rawBuf, "mod\u00e8le-\u4e2d".getBytes(StandardCharsets.UTF_8))).isTrue();
        } finally {
            rawBuf.release();
        }
    }

    @Test
    void shouldRecognizeTrackedKeysSpelledWithEscapes() {
        // Any upstream parser reads these as "model" and "stream"; the gateway must see the same members.
        String body = "{\"mod\\u0065l\":\"real\",\"\\u0073tream\":true,\"m\\u0061x_tokens\":9}";
        assertThat(scan(body)).isZero();
        assertThat(slice(body, facts.modelStart, facts.modelEnd)).isEqualTo("real");
        assertThat(facts.stream).isTrue();
        assertThat(facts.maxTokens).isEqualTo(9);
        assertThat(scan("{\"model\":\"a\",\"mod\\u0065l\":\"b\"}")).isEqualTo(RequestScanner.DUPLICATE_KEY);
    }

    @Test
    void shouldScanACompositeBodySpanningComponents() {
        byte[] body = Fixtures.bytes("chat-request.json");
        CompositeByteBuf composite = Unpooled.compositeBuffer();
        try {
            for (int i = 0; i < body.length; i += 17) {
                composite.addComponent(true, Unpooled.wrappedBuffer(body, i, Math.min(17, body.length - i)));
            }
            assertThat(scanner.scan(composite, facts)).isZero();
            assertThat(facts.model(composite)).isEqualTo("gpt-4o");
            assertThat(facts.stream).isTrue();
            assertThat(facts.includeUsage).isEqualTo(1);
            assertThat(facts.maxTokens).isEqualTo(512);
            assertThat(facts.user(composite)).isEqualTo("user-1234");
        } finally {
            composite.release();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"responses-request.json", "messages-request.json"})
    void shouldScanTheProviderRequestExamples(String fixture) throws Exception {
        byte[] body = Fixtures.bytes(fixture);
        JsonNode tree = JACKSON.readTree(body);
        assertThat(scan(body)).isZero();
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        assertThat(scanner.scan(buf, facts)).isZero();
        assertThat(facts.model(buf)).isEqualTo(tree.get("model").textValue());
        assertThat(facts.maxTokens).isEqualTo(tree.has("max_output_tokens") ? 512 : 1024);
        assertThat(facts.hasStream).isTrue();
        assertThat(facts.stream).isFalse();
        assertThat(facts.userStart).isEqualTo(-1);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``|1", "`   \n\t `|1",
        "{|2", "{\"model\":\"a\"|2", "{\"model\":\"a\"}}|2", "{\"model\":\"a\"} x|2", "{\"a\":1,}|2", "{,}|2",
        "{\"a\" 1}|2", "{\"a\":}|2", "{a:1}|2", "{'a':1}|2", "{\"a\":[1,]}|2", "{\"a\":[,1]}|2", "{\"a\":[1 2]}|2",
        "{\"a\":tru}|2", "{\"a\":True}|2", "{\"a\":nul}|2", "{\"a\":falsey}|2", "{\"a\":01}|2", "{\"a\":-}|2",
        "{\"a\":1.}|2", "{\"a\":.5}|2", "{\"a\":1e}|2", "{\"a\":1e+}|2", "{\"a\":+1}|2", "{\"a\":NaN}|2",
        "{\"a\":\"x\\q\"}|2", "{\"a\":\"\\u12G4\"}|2", "{\"a\":\"\\u12\"}|2", "`{\"a\":\"line\nbreak\"}`|2",
        "{\"a\":\"tab\there\"}|2", "{\"a\":\"unterminated}|2", "{\"a\":[}|2", "{\"a\":{]}|2", "{\"a\":1]|2",
        "{\"a\":1}{}|2", "{\"a\"::1}|2", "{\"a\":1 \"b\":2}|2", "{\"a\":/*c*/1}|2",
        "[]|3", "\"str\"|3", "42|3", "null|3", "true|3",
        "{\"model\":42}|5", "{\"model\":null}|5", "{\"model\":[\"a\"]}|5",
        "{\"stream\":\"true\"}|6", "{\"stream\":1}|6",
        "{\"stream_options\":true}|7", "{\"stream_options\":{\"include_usage\":\"yes\"}}|7",
        "{\"max_tokens\":-1}|8", "{\"max_tokens\":1.5}|8", "{\"max_tokens\":1e3}|8", "{\"max_tokens\":\"9\"}|8",
        "{\"max_completion_tokens\":99999999999999999999}|8",
        "{\"model\":\"a\",\"model\":\"b\"}|9", "{\"stream\":true,\"stream\":false}|9",
        "{\"stream_options\":{\"include_usage\":true,\"include_usage\":false}}|9"})
    void shouldReturnTheErrorCodeForEachMalformedClass(String body, int code) {
        assertThat(scan(body)).as(body).isEqualTo(code);
        assertThat(RequestScanner.codeName(code)).isNotEqualTo("unknown");
    }

    @Test
    @Timeout(60)
    void shouldRefuseADepthBombAtTheDepthLimit() {
        byte[] bomb = ("{\"a\":" + "[".repeat(10_000)).getBytes(StandardCharsets.US_ASCII);
        assertThat(scan(bomb)).isEqualTo(RequestScanner.TOO_DEEP);
        String ok = "{\"a\":" + "[".repeat(63) + "]".repeat(63) + "}";
        assertThat(scan(ok)).isZero();
        String deep = "{\"a\":" + "[".repeat(64) + "]".repeat(64) + "}";
        assertThat(scan(deep)).isEqualTo(RequestScanner.TOO_DEEP);
        // Refused there and then: what follows the first level past the limit (not JSON) is never looked at.
        assertThat(scan("{\"a\":" + "[".repeat(64) + "\u0000 not json")).isEqualTo(RequestScanner.TOO_DEEP);
    }

    @Test
    void shouldAgreeWithJacksonOnRandomValidBodies() throws Exception {
        RandomJson gen = new RandomJson(20261126L);
        for (int n = 0; n < 5_000; n++) {
            byte[] body = gen.requestBody();
            String text = new String(body, StandardCharsets.UTF_8);
            JsonNode tree = JACKSON.readTree(body);
            ByteBuf buf = Fixtures.offsetBuffer(body, 0, body.length, n % 7);
            try {
                assertThat(scanner.scan(buf, facts)).as(text).isEqualTo(RequestScanner.OK);
                assertAgrees(tree, buf, text);
            } finally {
                buf.release();
            }
        }
    }

    private void assertAgrees(JsonNode tree, ByteBuf buf, String text) throws Exception {
        assertThat(facts.model(buf)).as(text).isEqualTo(tree.has("model") ? tree.get("model").textValue() : null);
        if (facts.hasModel()) {
            String raw = buf.toString(facts.modelStart, facts.modelEnd - facts.modelStart, StandardCharsets.UTF_8);
            assertThat(facts.modelHasEscape).as(text).isEqualTo(raw.indexOf('\\') >= 0);
        }
        assertThat(facts.hasStream).as(text).isEqualTo(tree.has("stream"));
        assertThat(facts.stream).as(text).isEqualTo(tree.path("stream").asBoolean(false));
        long want = -1;
        for (String name : new String[] {"max_output_tokens", "max_tokens", "max_completion_tokens"}) {
            if (tree.has(name)) {
                want = tree.get(name).longValue();
            }
        }
        assertThat(facts.maxTokens).as(text).isEqualTo(want);
        assertThat(facts.user(buf)).as(text).isEqualTo(tree.has("user") ? tree.get("user").textValue() : null);
        assertThat(facts.topLevelKeys).as(text).isEqualTo(tree.size());
        assertThat(parse(buf, facts.objectStart, facts.objectEnd)).isEqualTo(tree);
        JsonNode options = tree.get("stream_options");
        if (options == null) {
            assertThat(facts.streamOptionsStart).isEqualTo(-1);
            assertThat(facts.includeUsage).isEqualTo(-1);
        } else {
            assertThat(parse(buf, facts.streamOptionsStart, facts.streamOptionsEnd)).as(text).isEqualTo(options);
            assertThat(facts.streamOptionsKeys).isEqualTo(options.size());
            JsonNode include = options.get("include_usage");
            assertThat(facts.includeUsage).as(text)
                    .isEqualTo(include == null ? -1 : include.asBoolean(false) ? 1 : 0);
            if (include != null) {
                assertThat(parse(buf, facts.includeUsageValueStart, facts.includeUsageValueEnd)).isEqualTo(include);
            }
        }
        if (tree.has("metadata")) {
            assertThat(parse(buf, facts.metadataStart, facts.metadataEnd)).isEqualTo(tree.get("metadata"));
        }
    }

    private static JsonNode parse(ByteBuf buf, int start, int end) throws Exception {
        byte[] bytes = new byte[end - start];
        buf.getBytes(start, bytes);
        return JACKSON.readTree(bytes);
    }

    @Test
    void shouldAgreeWithJacksonOnWhetherMutatedBodiesAreJson() {
        RandomJson gen = new RandomJson(77L);
        Random random = gen.random();
        byte[] insertable = "{}[]\":,\\ -0123456789.eEtrufalsn\n\u0001x".getBytes(StandardCharsets.US_ASCII);
        int checkedValid = 0;
        for (int n = 0; n < 20_000; n++) {
            byte[] body = mutate(gen.requestBody(), random, insertable);
            int code = scan(body);
            JsonNode tree = jackson(body);
            if (code == RequestScanner.OK) {
                assertThat(tree).as(new String(body, StandardCharsets.UTF_8)).isNotNull();
                assertThat(tree.isObject()).isTrue();
                checkedValid++;
            }
            if (tree == null) {
                assertThat(code).as(new String(body, StandardCharsets.UTF_8)).isNotEqualTo(RequestScanner.OK);
            } else if (tree.isObject()) {
                assertThat(code).as(new String(body, StandardCharsets.UTF_8))
                        .isNotIn(RequestScanner.MALFORMED_JSON, RequestScanner.EMPTY_BODY, RequestScanner.NOT_AN_OBJECT);
            }
        }
        assertThat(checkedValid).isGreaterThan(100);
    }

    /** One random edit at an ASCII position, so the result stays valid UTF-8 (not validated by the scanner). */
    private static byte[] mutate(byte[] body, Random random, byte[] insertable) {
        for (int attempt = 0; attempt < 50; attempt++) {
            int at = random.nextInt(body.length);
            if (body[at] < 0) {
                continue;
            }
            switch (random.nextInt(4)) {
                case 0:
                    return remove(body, at);
                case 1:
                    return insert(body, at, insertable[random.nextInt(insertable.length)]);
                case 2:
                    byte[] copy = body.clone();
                    copy[at] = insertable[random.nextInt(insertable.length)];
                    return copy;
                default:
                    return Arrays.copyOf(body, at);
            }
        }
        return body;
    }

    private static byte[] remove(byte[] body, int at) {
        byte[] out = new byte[body.length - 1];
        System.arraycopy(body, 0, out, 0, at);
        System.arraycopy(body, at + 1, out, at, body.length - at - 1);
        return out;
    }

    private static byte[] insert(byte[] body, int at, byte b) {
        byte[] out = new byte[body.length + 1];
        System.arraycopy(body, 0, out, 0, at);
        out[at] = b;
        System.arraycopy(body, at, out, at + 1, body.length - at);
        return out;
    }

    private static JsonNode jackson(byte[] body) {
        try {
            JsonNode tree = JACKSON.readTree(body);
            return tree == null || tree.isMissingNode() ? null : tree;
        } catch (Exception e) {
            return null;
        }
    }

    @Test
    void shouldResetFactsBetweenScans() {
        assertThat(scan("{\"model\":\"a\",\"stream\":true,\"max_tokens\":5,\"user\":\"u\"}")).isZero();
        assertThat(scan("{}")).isZero();
        assertThat(facts.modelStart).isEqualTo(-1);
        assertThat(facts.hasStream).isFalse();
        assertThat(facts.maxTokens).isEqualTo(-1);
        assertThat(facts.userStart).isEqualTo(-1);
        assertThat(facts.topLevelKeys).isZero();
    }

    @Test
    void shouldNotAllocateWhileScanning() {
        byte[] body = Fixtures.bytes("chat-request.json");
        ByteBuf buf = Unpooled.wrappedBuffer(body);
        for (int i = 0; i < 20_000; i++) {
            scanner.scan(buf, facts);
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        int ok = 0;
        for (int i = 0; i < 10_000; i++) {
            ok += scanner.scan(buf, facts) == RequestScanner.OK ? 1 : 0;
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(ok).isEqualTo(10_000);
        assertThat(allocated).as("bytes allocated for 10,000 scans").isLessThan(4096);
    }
}
