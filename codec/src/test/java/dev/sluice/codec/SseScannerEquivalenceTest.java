package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SseScanner} (fast path plus byte-at-a-time path) against {@link ReferenceSseScanner} (the byte-at-a-time
 * scanner it replaced): the same events, ends, flags, usage, counters, partial state and frame limit, for random
 * provider-shaped streams split at random places.
 */
class SseScannerEquivalenceTest {
    private static final int STREAMS = 1500;

    /** The two scanners behind one face. */
    interface Subject {
        void reset(Endpoint e, Usage u);

        int scan(ByteBuf buf, SseListener l);

        void endOfStream(SseListener l);

        boolean hasPartialEvent();

        long events();

        long contentEvents();
    }

    static Subject fast(int maxEventBytes) {
        SseScanner s = new SseScanner(maxEventBytes);
        return new Subject() {
            public void reset(Endpoint e, Usage u) {
                s.reset(e, u);
            }

            public int scan(ByteBuf buf, SseListener l) {
                return s.scan(buf, l);
            }

            public void endOfStream(SseListener l) {
                s.endOfStream(l);
            }

            public boolean hasPartialEvent() {
                return s.hasPartialEvent();
            }

            public long events() {
                return s.events();
            }

            public long contentEvents() {
                return s.contentEvents();
            }
        };
    }

    static Subject reference(int maxEventBytes) {
        ReferenceSseScanner s = new ReferenceSseScanner(maxEventBytes);
        return new Subject() {
            public void reset(Endpoint e, Usage u) {
                s.reset(e, u);
            }

            public int scan(ByteBuf buf, SseListener l) {
                return s.scan(buf, l);
            }

            public void endOfStream(SseListener l) {
                s.endOfStream(l);
            }

            public boolean hasPartialEvent() {
                return s.hasPartialEvent();
            }

            public long events() {
                return s.events();
            }

            public long contentEvents() {
                return s.contentEvents();
            }
        };
    }

    /**
     * Everything a scanner reports for {@code data} cut at {@code cuts}: per buffer the result code, the events
     * (as stream offsets and flags, with {@code flagMask} applied) and whether an event is partial; then the end of
     * stream, the usage and the counters.
     */
    static String trace(Subject s, Endpoint e, byte[] data, int[] cuts, int flagMask, boolean countContent) {
        Usage usage = new Usage();
        s.reset(e, usage);
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (int k = 0; k <= cuts.length; k++) {
            int to = k < cuts.length ? cuts[k] : data.length;
            ByteBuf buf = Fixtures.offsetBuffer(data, from, to, 5);
            try {
                int base = from - buf.readerIndex();
                int rc = s.scan(buf, (end, flags) -> out.append('(').append(base + end).append(',')
                        .append(flags & flagMask).append(')'));
                out.append(" rc=").append(rc).append(" partial=").append(s.hasPartialEvent()).append('\n');
            } finally {
                buf.release();
            }
            from = to;
        }
        int last = from;
        s.endOfStream((end, flags) -> out.append("eos(").append(last).append(',').append(flags & flagMask).append(')'));
        out.append(usage).append(" events=").append(s.events());
        if (countContent) {
            out.append(" content=").append(s.contentEvents());
        }
        return out.toString();
    }

    private static int[] randomCuts(Random random, int length) {
        int[] cuts = new int[random.nextInt(5)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = random.nextInt(length + 1);
        }
        Arrays.sort(cuts);
        return cuts;
    }

    private static int randomMaxEventBytes(Random random) {
        return random.nextInt(4) == 0 ? 16 + random.nextInt(400) : 1 << 16;
    }

    private static String describe(Endpoint e, byte[] data, int[] cuts, int max) {
        return e + " max=" + max + " cuts=" + Arrays.toString(cuts) + "\n"
                + new String(data, StandardCharsets.UTF_8).replace("\r", "\\r").replace("\n", "\\n\n");
    }

    @ParameterizedTest
    @EnumSource(value = Endpoint.class, names = {"CHAT_COMPLETIONS", "COMPLETIONS", "RESPONSES", "MESSAGES",
        "EMBEDDINGS"})
    void shouldMatchTheReferenceOnWellFormedStreams(Endpoint e) {
        RandomSse gen = new RandomSse(7919L * e.id());
        for (int n = 0; n < STREAMS; n++) {
            byte[] data = gen.stream(e, 12);
            int[] cuts = randomCuts(gen.random(), data.length);
            int max = randomMaxEventBytes(gen.random());
            assertThat(trace(fast(max), e, data, cuts, -1, true)).as(describe(e, data, cuts, max))
                    .isEqualTo(trace(reference(max), e, data, cuts, -1, true));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Endpoint.class, names = {"CHAT_COMPLETIONS", "COMPLETIONS", "RESPONSES", "MESSAGES"})
    void shouldMatchTheReferenceOnMangledBytesExceptContentOfMalformedJson(Endpoint e) {
        // On JSON that is not well-formed only CONTENT may differ (DataClassifier): usage, finish reason, errors,
        // ends and every other flag must not.
        RandomSse gen = new RandomSse(104729L * e.id());
        Random random = gen.random();
        byte[] palette = "\"\\:,[]{} \t\n\rnul_tokens\"error\"reason\"".getBytes(StandardCharsets.US_ASCII);
        int noContent = ~SseScanner.CONTENT;
        for (int n = 0; n < STREAMS; n++) {
            byte[] data = gen.stream(e, 8);
            int edits = 1 + random.nextInt(4);
            for (int k = 0; k < edits; k++) {
                data[random.nextInt(data.length)] = palette[random.nextInt(palette.length)];
            }
            int[] cuts = randomCuts(random, data.length);
            int max = randomMaxEventBytes(random);
            assertThat(trace(fast(max), e, data, cuts, noContent, false)).as(describe(e, data, cuts, max))
                    .isEqualTo(trace(reference(max), e, data, cuts, noContent, false));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Endpoint.class, names = {"CHAT_COMPLETIONS", "RESPONSES", "MESSAGES"})
    void shouldMatchTheReferenceAtEverySplitPosition(Endpoint e) {
        RandomSse gen = new RandomSse(31L * e.id());
        for (int n = 0; n < 12; n++) {
            byte[] data = gen.stream(e, 5);
            for (int cut = 0; cut <= data.length; cut++) {
                int[] cuts = {cut};
                assertThat(trace(fast(1 << 16), e, data, cuts, -1, true)).as(describe(e, data, cuts, 1 << 16))
                        .isEqualTo(trace(reference(1 << 16), e, data, cuts, -1, true));
            }
        }
    }

    @Test
    void shouldMatchTheReferenceAtEveryEventSizeLimit() {
        // The limit counts a blank line's CR but not its LF; each line ending is swept across the exact boundary.
        String events = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n: ping\n\n"
                + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\"}\n\n";
        for (String eol : new String[] {"\n", "\r\n", "\r"}) {
            byte[] data = events.replace("\n", eol).getBytes(StandardCharsets.US_ASCII);
            for (int max = 1; max <= 90; max++) {
                for (int[] cuts : new int[][] {{}, {data.length - 1}}) {
                    assertThat(trace(fast(max), Endpoint.MESSAGES, data, cuts, -1, true)).as("max %d", max)
                            .isEqualTo(trace(reference(max), Endpoint.MESSAGES, data, cuts, -1, true));
                }
            }
        }
    }

    @Test
    void shouldMatchTheReferenceOnBuffersLargerThanTheCopyWindow() {
        // Many events in one read: the fast path slides its window over events that straddle the window's end.
        RandomSse gen = new RandomSse(99L);
        for (Endpoint e : new Endpoint[] {Endpoint.CHAT_COMPLETIONS, Endpoint.MESSAGES}) {
            for (int n = 0; n < 20; n++) {
                byte[] data = gen.stream(e, 200);
                int[] none = {};
                assertThat(data.length).isGreaterThan(0);
                assertThat(trace(fast(1 << 16), e, data, none, -1, true)).as(describe(e, data, none, 1 << 16))
                        .isEqualTo(trace(reference(1 << 16), e, data, none, -1, true));
            }
        }
    }

    @Test
    void shouldMatchTheReferenceOnAnEventLargerThanTheCopyWindow() {
        String big = "data: {\"choices\":[{\"delta\":{\"content\":\"" + "x".repeat(9000) + "\"}}]}\n\n";
        byte[] data = (big + "data: {\"choices\":[{\"delta\":{\"content\":\"y\"}}]}\n\n" + big)
                .getBytes(StandardCharsets.US_ASCII);
        for (int max : new int[] {1 << 16, 9000, 9050}) {
            for (int[] cuts : new int[][] {{}, {4000}, {9010, 9020}}) {
                assertThat(trace(fast(max), Endpoint.CHAT_COMPLETIONS, data, cuts, -1, true))
                        .isEqualTo(trace(reference(max), Endpoint.CHAT_COMPLETIONS, data, cuts, -1, true));
            }
        }
    }
}
