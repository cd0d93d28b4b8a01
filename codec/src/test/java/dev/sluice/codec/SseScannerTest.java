package dev.sluice.codec;

import static dev.sluice.codec.SseScanner.COMMENT_ONLY;
import static dev.sluice.codec.SseScanner.CONTENT;
import static dev.sluice.codec.SseScanner.DONE;
import static dev.sluice.codec.SseScanner.ERROR;
import static dev.sluice.codec.SseScanner.TERMINAL;
import static dev.sluice.codec.SseScanner.USAGE_ONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SseScannerTest {

    /** One fixture, its endpoint, the flags of each event in order, and the usage it must yield. */
    record Case(String fixture, Endpoint endpoint, int[] flags, long in, long out, long cached, long cacheWrite,
            FinishReason finish) {
        @Override
        public String toString() {
            return fixture;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("chat-text.sse", Endpoint.CHAT_COMPLETIONS,
                        new int[] {0, CONTENT, CONTENT, 0, USAGE_ONLY, DONE | TERMINAL}, 19, 3, 0, -1, FinishReason.STOP),
                new Case("chat-tools.sse", Endpoint.CHAT_COMPLETIONS,
                        new int[] {0, CONTENT, CONTENT, 0, DONE | TERMINAL}, -1, -1, -1, -1, FinishReason.TOOL_CALLS),
                new Case("responses-text.sse", Endpoint.RESPONSES,
                        new int[] {0, 0, 0, 0, CONTENT, CONTENT, 0, 0, 0, TERMINAL}, 3, 1, 0, -1, FinishReason.STOP),
                new Case("responses-function.sse", Endpoint.RESPONSES,
                        new int[] {0, CONTENT, 0, 0}, -1, -1, -1, -1, FinishReason.NONE),
                new Case("responses-error.sse", Endpoint.RESPONSES, new int[] {ERROR}, -1, -1, -1, -1, FinishReason.NONE),
                new Case("completions.sse", Endpoint.COMPLETIONS,
                        new int[] {CONTENT, 0, DONE | TERMINAL}, -1, -1, -1, -1, FinishReason.LENGTH),
                new Case("messages-text.sse", Endpoint.MESSAGES,
                        new int[] {0, 0, 0, CONTENT, CONTENT, 0, 0, TERMINAL}, 25, 15, 0, 0, FinishReason.STOP),
                new Case("messages-tool.sse", Endpoint.MESSAGES,
                        new int[] {0, CONTENT, CONTENT, CONTENT, 0, 0, TERMINAL}, -1, 89, -1, -1,
                        FinishReason.TOOL_CALLS),
                new Case("messages-thinking.sse", Endpoint.MESSAGES,
                        new int[] {0, CONTENT, CONTENT, 0}, -1, -1, -1, -1, FinishReason.NONE),
                new Case("messages-error.sse", Endpoint.MESSAGES, new int[] {ERROR}, -1, -1, -1, -1, FinishReason.NONE));
    }

    /** The expected (global end offset, flags) pairs: ends are just past each "\n\n" in the fixture. */
    private static List<long[]> expected(byte[] data, int[] flags, String terminator) {
        List<long[]> out = new ArrayList<>();
        String text = new String(data, StandardCharsets.ISO_8859_1);
        int at = 0;
        for (int f : flags) {
            int end = text.indexOf(terminator, at);
            assertThat(end).as("fixture has an event terminator").isNotNegative();
            at = end + terminator.length();
            out.add(new long[] {at, f});
        }
        assertThat(at).as("fixture ends with its last event").isEqualTo(data.length);
        return out;
    }

    /** Feeds data split at the given cut points, each piece in a buffer with a non-zero reader index. */
    private static List<long[]> scan(SseScanner scanner, Case c, Usage usage, byte[] data, int[] cuts) {
        scanner.reset(c.endpoint(), usage);
        List<long[]> seen = new ArrayList<>();
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : data.length;
            ByteBuf buf = Fixtures.offsetBuffer(data, from, to, 7);
            try {
                int base = from - buf.readerIndex();
                int result = scanner.scan(buf, (end, flags) -> {
                    assertThat(end).isBetween(buf.readerIndex(), buf.writerIndex());
                    seen.add(new long[] {base + end, flags});
                });
                assertThat(result).isEqualTo(SseScanner.OK);
                assertThat(buf.readerIndex()).isEqualTo(7);
                assertThat(buf.writerIndex()).isEqualTo(7 + to - from);
            } finally {
                buf.release();
            }
            from = to;
        }
        int lastBase = from;
        scanner.endOfStream((end, flags) -> seen.add(new long[] {lastBase, flags}));
        return seen;
    }

    private static void assertUsage(Case c, Usage u) {
        assertThat(u.inputTokens).as("input").isEqualTo(c.in());
        assertThat(u.outputTokens).as("output").isEqualTo(c.out());
        assertThat(u.cachedTokens).as("cached").isEqualTo(c.cached());
        assertThat(u.cacheWriteTokens).as("cacheWrite").isEqualTo(c.cacheWrite());
        assertThat(u.finishReason).as("finish").isEqualTo(c.finish());
    }

    private static String describe(List<long[]> events) {
        StringBuilder sb = new StringBuilder();
        for (long[] e : events) {
            sb.append('(').append(e[0]).append(',').append(e[1]).append(')');
        }
        return sb.toString();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldReportEveryEventOfTheFixtureInOneBuffer(Case c) {
        byte[] data = Fixtures.bytes(c.fixture());
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        List<long[]> seen = scan(scanner, c, usage, data, new int[0]);
        assertThat(describe(seen)).isEqualTo(describe(expected(data, c.flags(), "\n\n")));
        assertUsage(c, usage);
        assertThat(scanner.events()).isEqualTo(c.flags().length);
        assertThat(scanner.contentEvents()).isEqualTo(Stream.of(c.flags()).flatMapToInt(java.util.Arrays::stream)
                .filter(f -> (f & CONTENT) != 0).count());
        assertThat(scanner.hasPartialEvent()).isFalse();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldGiveTheSameEventsWhenSplitAtEveryPosition(Case c) {
        byte[] data = Fixtures.bytes(c.fixture());
        String want = describe(expected(data, c.flags(), "\n\n"));
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        for (int cut = 0; cut <= data.length; cut++) {
            assertThat(describe(scan(scanner, c, usage, data, new int[] {cut}))).as("cut at %d", cut).isEqualTo(want);
            assertUsage(c, usage);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldGiveTheSameEventsFedOneBytePerBuffer(Case c) {
        byte[] data = Fixtures.bytes(c.fixture());
        int[] cuts = new int[data.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        assertThat(describe(scan(scanner, c, usage, data, cuts)))
                .isEqualTo(describe(expected(data, c.flags(), "\n\n")));
        assertUsage(c, usage);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldHandleCrlfLineEndingsSplitAtEveryPosition(Case c) {
        byte[] data = new String(Fixtures.bytes(c.fixture()), StandardCharsets.UTF_8).replace("\n", "\r\n")
                .getBytes(StandardCharsets.UTF_8);
        String want = describe(expected(data, c.flags(), "\r\n\r\n"));
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        for (int cut = 0; cut <= data.length; cut++) {
            assertThat(describe(scan(scanner, c, usage, data, new int[] {cut}))).as("cut at %d", cut).isEqualTo(want);
            assertUsage(c, usage);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldHandleBareCrLineEndingsSplitAtEveryPosition(Case c) {
        byte[] data = new String(Fixtures.bytes(c.fixture()), StandardCharsets.UTF_8).replace("\n", "\r")
                .getBytes(StandardCharsets.UTF_8);
        String want = describe(expected(data, c.flags(), "\r\r"));
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        for (int cut = 0; cut <= data.length; cut++) {
            assertThat(describe(scan(scanner, c, usage, data, new int[] {cut}))).as("cut at %d", cut).isEqualTo(want);
            assertUsage(c, usage);
        }
    }

    private static List<long[]> scanAll(SseScanner scanner, String text) {
        List<long[]> seen = new ArrayList<>();
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.UTF_8);
        try {
            assertThat(scanner.scan(buf, (end, flags) -> seen.add(new long[] {end, flags}))).isEqualTo(SseScanner.OK);
        } finally {
            buf.release();
        }
        return seen;
    }

    @Test
    void shouldFlagCommentOnlyEventsAndIgnoreStrayBlankLines() {
        SseScanner scanner = new SseScanner(1024);
        scanner.reset(Endpoint.MESSAGES);
        String text = "\n\n: ping\n\nevent: ping\ndata: {\"type\": \"ping\"}\n\n\n";
        assertThat(describe(scanAll(scanner, text))).isEqualTo("(10," + COMMENT_ONLY + ")(46,0)");
        assertThat(scanner.events()).isEqualTo(2);
    }

    @Test
    void shouldFlagInBandErrorsInChatStreams() {
        SseScanner scanner = new SseScanner(1024);
        scanner.reset(Endpoint.CHAT_COMPLETIONS);
        String top = "data: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n";
        String named = "event: error\ndata: {\"message\":\"x\"}\n\n";
        String nested = "data: {\"choices\":[{\"delta\":{\"content\":\"error\"},\"error\":{\"x\":1}}]}\n\n";
        String nullError = "data: {\"error\":null,\"choices\":[{\"delta\":{\"content\":\"\"}}]}\n\n";
        List<long[]> seen = scanAll(scanner, top + named + nested + nullError);
        assertThat(seen).extracting(e -> e[1]).containsExactly((long) ERROR, (long) ERROR, (long) CONTENT, 0L);
    }

    @Test
    void shouldJoinMultiLineDataAndIgnoreOtherFields() {
        SseScanner scanner = new SseScanner(1024);
        scanner.reset(Endpoint.CHAT_COMPLETIONS);
        String text = "id: 7\nretry: 10\ndata: {\"choices\":\ndata: [],\"usage\":{\"prompt_tokens\":12\ndata: ,"
                + "\"completion_tokens\":5}}\n\n";
        List<long[]> seen = scanAll(scanner, text);
        assertThat(seen).extracting(e -> e[1]).containsExactly((long) USAGE_ONLY);
        assertThat(scanner.usage().inputTokens).isEqualTo(12);
        assertThat(scanner.usage().outputTokens).isEqualTo(5);
    }

    @Test
    void shouldNotTakeDoneFromLookalikes() {
        SseScanner scanner = new SseScanner(1024);
        scanner.reset(Endpoint.CHAT_COMPLETIONS);
        List<long[]> seen = scanAll(scanner, "data: [DONE]x\n\ndata:[DONE]\n\ndata: [DON\n\n");
        assertThat(seen).extracting(e -> e[1]).containsExactly(0L, (long) (DONE | TERMINAL), 0L);
    }

    @Test
    void shouldKeepCumulativeAnthropicUsageAndNeverLetZeroOverwrite() {
        SseScanner scanner = new SseScanner(4096);
        Usage usage = new Usage();
        scanner.reset(Endpoint.MESSAGES, usage);
        String text = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":"
                + "100,\"cache_creation_input_tokens\":10,\"cache_read_input_tokens\":50,\"output_tokens\":1}}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
                + "\"usage\":{\"input_tokens\":0,\"output_tokens\":40}}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":null},"
                + "\"usage\":{\"output_tokens\":55}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
        List<long[]> seen = scanAll(scanner, text);
        assertThat(seen).extracting(e -> e[1]).containsExactly(0L, 0L, 0L, (long) TERMINAL);
        assertThat(usage.inputTokens).isEqualTo(160);
        assertThat(usage.cachedTokens).isEqualTo(50);
        assertThat(usage.cacheWriteTokens).isEqualTo(10);
        assertThat(usage.outputTokens).isEqualTo(55);
        assertThat(usage.finishReason).isEqualTo(FinishReason.LENGTH);
        assertThat(usage.known()).isTrue();
    }

    @Test
    void shouldReadOpenAiCacheDetailsWithoutConfusingNestedKeys() {
        SseScanner scanner = new SseScanner(4096);
        Usage usage = new Usage();
        scanner.reset(Endpoint.CHAT_COMPLETIONS, usage);
        String text = "data: {\"choices\":[{\"delta\":{\"content\":\"{\\\"prompt_tokens\\\":99}\"},"
                + "\"finish_reason\":null}],\"usage\":null}\n\n"
                + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":1200,\"completion_tokens\":30,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":1024,\"cache_write_tokens\":64}}}\n\n";
        List<long[]> seen = scanAll(scanner, text);
        assertThat(seen).extracting(e -> e[1]).containsExactly((long) CONTENT, (long) USAGE_ONLY);
        assertThat(usage.inputTokens).isEqualTo(1200);
        assertThat(usage.outputTokens).isEqualTo(30);
        assertThat(usage.cachedTokens).isEqualTo(1024);
        assertThat(usage.cacheWriteTokens).isEqualTo(64);
    }

    @Test
    void shouldFlagResponsesFailureAsTerminalError() {
        SseScanner scanner = new SseScanner(4096);
        scanner.reset(Endpoint.RESPONSES);
        String text = "event: response.failed\ndata: {\"type\":\"response.failed\",\"response\":{\"status\":\"failed\","
                + "\"error\":{\"code\":\"server_error\",\"message\":\"x\"}}}\n\n";
        assertThat(scanAll(scanner, text)).extracting(e -> e[1]).containsExactly((long) (TERMINAL | ERROR));
        assertThat(scanner.usage().finishReason).isEqualTo(FinishReason.OTHER);
    }

    @Test
    void shouldMapIncompleteResponsesToLength() {
        SseScanner scanner = new SseScanner(4096);
        scanner.reset(Endpoint.RESPONSES);
        String text = "event: response.incomplete\ndata: {\"type\":\"response.incomplete\",\"response\":{\"status\":"
                + "\"incomplete\",\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"usage\":{"
                + "\"input_tokens\":5,\"output_tokens\":16}}}\n\n";
        assertThat(scanAll(scanner, text)).extracting(e -> e[1]).containsExactly((long) TERMINAL);
        assertThat(scanner.usage().finishReason).isEqualTo(FinishReason.LENGTH);
        assertThat(scanner.usage().outputTokens).isEqualTo(16);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "data: {\"choices\":[{\"x\":{\"finish_reason\":null,}\"stop\"}]}",
        "data: {\"choices\":[{\"finish_reason\":null,{}\"stop\"}]}",
        "data: {\"choices\":[{\"x\":[[{\"finish_reason\":null}],\"y\"]\"stop\"}]}",
        "event: message_delta\ndata: {\"delta\":{\"stop_reason\":null,[\"end_turn\"]}}"})
    void shouldNotTakeAStringWithoutANameAsTheValueOfAnEndedMember(String event) {
        // Malformed JSON the fast path judges whole (a null reason, then a comma or brackets): the string after them
        // has no name of its own and is not a second value of the reason, when the event is lexed byte by byte too.
        Endpoint e = event.startsWith("event:") ? Endpoint.MESSAGES : Endpoint.CHAT_COMPLETIONS;
        Case c = new Case("malformed", e, new int[] {0}, -1, -1, -1, -1, FinishReason.NONE);
        byte[] data = (event + "\n\n").getBytes(StandardCharsets.UTF_8);
        String want = describe(expected(data, c.flags(), "\n\n"));
        SseScanner scanner = new SseScanner(1024);
        Usage usage = new Usage();
        for (int cut = 0; cut <= data.length; cut++) {
            assertThat(describe(scan(scanner, c, usage, data, new int[] {cut}))).as("cut at %d", cut).isEqualTo(want);
            assertUsage(c, usage);
        }
    }

    @Test
    void shouldStopWithFrameTooLargeOnAnOversizedEvent() {
        SseScanner scanner = new SseScanner(64);
        scanner.reset(Endpoint.CHAT_COMPLETIONS);
        List<long[]> seen = new ArrayList<>();
        ByteBuf first = Unpooled.copiedBuffer("data: {\"a\":1}\n\ndata: {\"x\":\"" + "y".repeat(40),
                StandardCharsets.US_ASCII);
        ByteBuf second = Unpooled.copiedBuffer("z".repeat(40) + "\"}\n\n", StandardCharsets.US_ASCII);
        try {
            assertThat(scanner.scan(first, (end, flags) -> seen.add(new long[] {end, flags}))).isEqualTo(SseScanner.OK);
            assertThat(scanner.scan(second, (end, flags) -> seen.add(new long[] {end, flags})))
                    .isEqualTo(SseScanner.FRAME_TOO_LARGE);
            assertThat(scanner.scan(second, (end, flags) -> seen.add(new long[] {end, flags})))
                    .isEqualTo(SseScanner.FRAME_TOO_LARGE);
            assertThat(describe(seen)).isEqualTo("(15,0)");
            scanner.reset(Endpoint.CHAT_COMPLETIONS);
            assertThat(scanner.scan(first, (end, flags) -> { })).isEqualTo(SseScanner.OK);
        } finally {
            first.release();
            second.release();
        }
    }

    @Test
    void shouldAcceptAnEventOfExactlyMaxEventBytes() {
        String event = "data: {\"a\":1}\n";
        SseScanner scanner = new SseScanner(event.length());
        scanner.reset(Endpoint.CHAT_COMPLETIONS);
        assertThat(scanAll(scanner, event + "\n" + event + "\n")).hasSize(2);
    }

    @Test
    void shouldReportAPartialEventAtEndOfStream() {
        SseScanner scanner = new SseScanner(1024);
        scanner.reset(Endpoint.MESSAGES);
        List<long[]> seen = scanAll(scanner, "event: message_stop\ndata: {\"type\":\"message_stop\"}\n");
        assertThat(seen).isEmpty();
        assertThat(scanner.hasPartialEvent()).isTrue();
        scanner.endOfStream((end, flags) -> seen.add(new long[] {end, flags}));
        assertThat(seen).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void shouldNotAllocateScanningAnyFixtureManyEventsPerBuffer(Case c) {
        // Many streams back to back in one read: the fast path, its window sliding and the lexer all run.
        byte[] one = Fixtures.bytes(c.fixture());
        byte[] data = new byte[one.length * 40];
        for (int i = 0; i < 40; i++) {
            System.arraycopy(one, 0, data, i * one.length, one.length);
        }
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        long[] sink = new long[1];
        SseListener listener = (end, flags) -> sink[0] += end + flags;
        try {
            for (int i = 0; i < 2_000; i++) {
                scanner.reset(c.endpoint(), usage);
                scanner.scan(buf, listener);
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1_000; i++) {
                scanner.reset(c.endpoint(), usage);
                scanner.scan(buf, listener);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated).as("bytes allocated for 1,000 scans of 40 streams").isLessThan(4096);
            assertThat(scanner.events()).isEqualTo(40L * c.flags().length);
            assertThat(sink[0]).isPositive();
        } finally {
            buf.release();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldNotAllocateWhileScanningInSteadyState(boolean direct) {
        // Wrapped buffers are not leak-tracked: paranoid leak detection records a stack trace per access.
        byte[] data = Fixtures.bytes("chat-text.sse");
        ByteBuf buf = direct
                ? Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(data.length).put(data).flip())
                : Unpooled.wrappedBuffer(data);
        SseScanner scanner = new SseScanner(1 << 16);
        Usage usage = new Usage();
        long[] sink = new long[1];
        SseListener listener = (end, flags) -> sink[0] += end + flags;
        try {
            for (int i = 0; i < 20_000; i++) {
                scanner.reset(Endpoint.CHAT_COMPLETIONS, usage);
                scanner.scan(buf, listener);
            }
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            // The least of five windows: a JIT recompilation inside one window runs less optimised code for a
            // while (a few KB), while an allocation per event would show in every window (60,000 x 16+ bytes).
            long allocated = Long.MAX_VALUE;
            for (int window = 0; window < 5; window++) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10_000; i++) {
                    scanner.reset(Endpoint.CHAT_COMPLETIONS, usage);
                    scanner.scan(buf, listener);
                }
                allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
            }
            assertThat(allocated).as("bytes allocated for 60,000 events").isLessThan(4096);
            assertThat(sink[0]).isPositive();
        } finally {
            buf.release();
        }
    }
}
