package dev.sluice.codec.translate;

import static dev.sluice.codec.translate.StreamFixtures.CREATED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StreamTranslatorsTest {
    private static final String CLAUDE = "claude-sonnet-4-20250514";
    private static final String[] MODES = {"whole", "bytewise", "seed1", "seed2", "seed3", "seed42", "seed1234"};

    /** One recorded stream, what it must become, and what the translator must report about it. */
    static final class Case {
        final String name;
        final Dialect from;
        final String model;
        final boolean includeUsage;
        final String expected;
        final boolean terminal;
        final boolean upstreamError;
        final long[] usage;
        final FinishReason finish;
        final int contentEvents;
        final List<String> warnings;

        Case(String name, Dialect from, String model, boolean includeUsage, String expected, boolean terminal,
                boolean upstreamError, long[] usage, FinishReason finish, int contentEvents, List<String> warnings) {
            this.name = name;
            this.from = from;
            this.model = model;
            this.includeUsage = includeUsage;
            this.expected = expected;
            this.terminal = terminal;
            this.upstreamError = upstreamError;
            this.usage = usage;
            this.finish = finish;
            this.contentEvents = contentEvents;
            this.warnings = warnings;
        }

        Dialect to() {
            return from == Dialect.ANTHROPIC ? Dialect.OPENAI : Dialect.ANTHROPIC;
        }

        @Override
        public String toString() {
            return expected;
        }
    }

    static List<Case> cases() {
        List<String> none = List.of();
        Dialect a = Dialect.ANTHROPIC;
        Dialect o = Dialect.OPENAI;
        return List.of(
                new Case("a2o-text", a, CLAUDE, false, "a2o-text.out.sse", true, false,
                        new long[] {132, 15, 100, 7}, FinishReason.STOP, 2, none),
                new Case("a2o-text", a, CLAUDE, true, "a2o-text.usage.out.sse", true, false,
                        new long[] {132, 15, 100, 7}, FinishReason.STOP, 2, none),
                new Case("a2o-tools", a, CLAUDE, true, "a2o-tools.out.sse", true, false,
                        new long[] {310, 89, 0, 0}, FinishReason.TOOL_CALLS, 6, none),
                new Case("a2o-thinking", a, CLAUDE, false, "a2o-thinking.out.sse", true, false,
                        new long[] {40, 120, 0, 0}, FinishReason.LENGTH, 3, List.of("thinking")),
                new Case("a2o-error", a, CLAUDE, true, "a2o-error.out.sse", true, true,
                        new long[] {12, 1, 0, 0}, FinishReason.OTHER, 1, none),
                new Case("a2o-truncated", a, CLAUDE, false, "a2o-truncated.out.sse", false, false,
                        new long[] {9, 1, 0, 0}, FinishReason.NONE, 1, none),
                new Case("o2a-text", o, "gpt-4o-2024-08-06", false, "o2a-text.out.sse", true, false,
                        new long[] {200, 3, 64, -1}, FinishReason.STOP, 2, none),
                new Case("o2a-tools", o, "gpt-4o", true, "o2a-tools.out.sse", true, false,
                        new long[] {82, 41, 0, 20}, FinishReason.TOOL_CALLS, 5, none),
                new Case("o2a-reasoning", o, "deepseek-reasoner", false, "o2a-reasoning.out.sse", true, false,
                        new long[] {15, 50, 0, -1}, FinishReason.LENGTH, 3, none),
                new Case("o2a-error", o, "gpt-4o", false, "o2a-error.out.sse", true, true,
                        new long[] {-1, -1, -1, -1}, FinishReason.OTHER, 1, none),
                new Case("o2a-truncated", o, "gpt-4o", false, "o2a-truncated.out.sse", false, false,
                        new long[] {9, 2, -1, -1}, FinishReason.STOP, 1, none));
    }

    static Stream<Arguments> fixturesInEverySplit() {
        List<Arguments> args = new ArrayList<>();
        for (Case c : cases()) {
            for (String mode : MODES) {
                args.add(Arguments.of(c, mode));
            }
        }
        return args.stream();
    }

    static Stream<Arguments> fixturesWithLineEnds() {
        List<Arguments> args = new ArrayList<>();
        for (Case c : cases()) {
            for (String lineEnd : new String[] {"\n", "\r\n", "\r"}) {
                for (String mode : new String[] {"bytewise", "seed7"}) {
                    args.add(Arguments.of(c, lineEnd, mode));
                }
            }
        }
        return args.stream();
    }

    private static StreamTranslator translator(Case c, Usage usage, TranslationWarnings warnings) {
        return StreamTranslators.create(c.from, c.to(), c.model, c.includeUsage, 64 * 1024, usage, warnings,
                CREATED);
    }

    @ParameterizedTest(name = "{0} fed {1}")
    @MethodSource("fixturesInEverySplit")
    void shouldTranslateRecordedStreamExactlyHoweverItIsSplit(Case c, String mode) {
        Usage usage = new Usage();
        TranslationWarnings warnings = new TranslationWarnings();
        StreamTranslator t = translator(c, usage, warnings);
        long before = System.nanoTime();

        StreamFixtures.Fed fed = StreamFixtures.feed(t, StreamFixtures.bytes(c.name + ".in.sse"), mode);

        assertThat(fed.result).isEqualTo(StreamTranslator.OK);
        assertThat(fed.output).isEqualTo(StreamFixtures.text(c.expected));
        assertThat(t.terminal()).isEqualTo(c.terminal);
        assertThat(t.upstreamError()).isEqualTo(c.upstreamError);
        assertThat(new long[] {usage.inputTokens, usage.outputTokens, usage.cachedTokens, usage.cacheWriteTokens})
                .containsExactly(c.usage);
        assertThat(usage.finishReason).isEqualTo(c.finish);
        assertThat(t.contentEvents()).isEqualTo(c.contentEvents);
        assertThat(t.firstContentNs() - before).isGreaterThanOrEqualTo(0);
        assertThat(warnings.droppedFields()).isEqualTo(c.warnings);
    }

    @ParameterizedTest(name = "{0} with {1} line ends fed {2}")
    @MethodSource("fixturesWithLineEnds")
    void shouldAcceptLfCrlfAndCrLineEnds(Case c, String lineEnd, String mode) {
        StreamTranslator t = translator(c, new Usage(), new TranslationWarnings());
        byte[] input = StreamFixtures.withLineEnds(StreamFixtures.bytes(c.name + ".in.sse"), lineEnd);

        StreamFixtures.Fed fed = StreamFixtures.feed(t, input, mode);

        assertThat(fed.result).isEqualTo(StreamTranslator.OK);
        assertThat(fed.output).isEqualTo(StreamFixtures.text(c.expected));
        assertThat(t.terminal()).isEqualTo(c.terminal);
    }

    @Test
    void shouldReportNoContentTimeBeforeTheFirstContentEvent() {
        StreamTranslator t = StreamTranslators.create(Dialect.ANTHROPIC, Dialect.OPENAI, CLAUDE, false, 4096,
                new Usage(), new TranslationWarnings(), CREATED);
        feed(t, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\","
                + "\"usage\":{\"input_tokens\":3}}}\n\nevent: content_block_start\ndata: {\"type\":"
                + "\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
        assertThat(t.contentEvents()).isZero();
        assertThat(t.firstContentNs()).isZero();

        long before = System.nanoTime();
        feed(t, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\n\n");
        long first = t.firstContentNs();
        feed(t, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"!\"}}\n\n");

        assertThat(first - before).isGreaterThanOrEqualTo(0);
        assertThat(t.firstContentNs()).isEqualTo(first);
        assertThat(t.contentEvents()).isEqualTo(2);
    }

    @Test
    void shouldIgnoreBytesAfterTheTerminalEventAndConsumeThem() {
        StreamTranslator t = StreamTranslators.create(Dialect.OPENAI, Dialect.ANTHROPIC, "gpt-4o", false, 4096,
                new Usage(), new TranslationWarnings(), CREATED);
        String out = feed(t, "data: {\"id\":\"chatcmpl-x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"},"
                + "\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\ndata: {\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"late\"}}]}\n\nnot even sse");

        assertThat(t.terminal()).isTrue();
        assertThat(out).endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n").doesNotContain("late");
        assertThat(feed(t, "data: {\"choices\":[]}\n\n")).isEmpty();
    }

    @Test
    void shouldGenerateOneIdForTheWholeStreamWhenTheUpstreamSentNone() {
        StreamTranslator t = StreamTranslators.create(Dialect.ANTHROPIC, Dialect.OPENAI, CLAUDE, true, 4096,
                new Usage(), new TranslationWarnings(), CREATED);
        // No message_start: the role chunk is still sent first, with a generated id.
        String out = feed(t, "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\nevent: content_block_delta\ndata: "
                + "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}"
                + "\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");

        List<String> ids = new ArrayList<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\":\"([^\"]*)\"").matcher(out);
        while (m.find()) {
            ids.add(m.group(1));
        }
        assertThat(ids).hasSize(4);
        assertThat(ids.get(0)).matches("chatcmpl-[0-9A-Za-z]{24}");
        assertThat(ids).containsOnly(ids.get(0));
        assertThat(out).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"\"}");
        assertThat(out.indexOf("\"role\"")).isLessThan(out.indexOf("\"content\":\"x\""));
        assertThat(out).contains("\"usage\":{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":0,");
    }

    @Test
    void shouldRejectTheSameDialectOnBothSides() {
        assertThatThrownBy(() -> StreamTranslators.create(Dialect.OPENAI, Dialect.OPENAI, "m", false, 10,
                new Usage(), new TranslationWarnings())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("to: OPENAI");
        assertThatThrownBy(() -> StreamTranslators.create(Dialect.OPENAI, Dialect.ANTHROPIC, "m", false, 0,
                new Usage(), new TranslationWarnings())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxEventBytes: 0");
    }

    /** Feeds one string whole and returns what came out. */
    static String feed(StreamTranslator t, String input) {
        ByteBuf in = Unpooled.copiedBuffer(input, StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        try {
            t.onBytes(in, out);
            assertThat(in.isReadable()).isFalse();
            return out.toString(StandardCharsets.UTF_8);
        } finally {
            in.release();
            out.release();
        }
    }
}
