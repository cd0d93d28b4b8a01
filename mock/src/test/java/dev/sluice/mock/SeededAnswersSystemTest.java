package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Answers from a known distribution ({@code answers=... p=... seed=...}) and the mock as a judge
 * ({@code judge=1}), over real sockets: how many requests get each answer depends on the seed only, not on the
 * order concurrent requests arrive in; the text is the same streamed or not, in both dialects.
 */
@Timeout(60)
class SeededAnswersSystemTest extends MockSystemTestSupport {
    private static final String DIRECTIVE = "[[mock answers=Paris|Lyon p=0.8|0.2 seed=7]]";

    private static String chat(final String text) {
        return "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    /** How many of 200 answers, sent by 8 threads at once to a fresh mock, are "Paris" (every one is either). */
    private int parisOf200() throws Exception {
        final ExecutorService threads = Executors.newFixedThreadPool(8);
        try {
            final List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                answers.add(threads.submit(() -> {
                    try (RawHttp c = new RawHttp(provider.port())) {
                        final RawHttp.Response r = c.send("POST", "/v1/chat/completions",
                            headers("authorization", "Bearer sk-test"), chat("capital? " + DIRECTIVE)).read();
                        assertThat(r.status).isEqualTo(200);
                        return json(r.body()).at("/choices/0/message/content").asText();
                    }
                }));
            }
            int paris = 0;
            for (final Future<String> a : answers) {
                final String text = a.get();
                assertThat(text).isIn("Paris", "Lyon");
                paris += text.equals("Paris") ? 1 : 0;
            }
            return paris;
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void shouldDrawTheSameCountsForTheSameSeedWhateverTheOrder() throws Exception {
        final int first = parisOf200();
        provider.close();
        provider = MockProvider.start("127.0.0.1", 0);
        final int second = parisOf200();
        System.out.printf("mock answers=Paris|Lyon p=0.8|0.2 seed=7: %d and %d of 200 Paris on two fresh mocks%n",
            first, second);
        assertThat(second).isEqualTo(first);
        // Binomial(200, 0.8): mean 160, sd 5.7; 130..190 is more than five sd either side.
        assertThat(first).isBetween(130, 190);
    }

    @Test
    void shouldStreamTheDrawnAnswerInBothDialects() throws IOException {
        final String body = "{\"model\":\"claude-x\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"[[mock answers=In%20the%20journal.|Nowhere%20at%20all. seed=3]]\"}]}";
        for (int i = 0; i < 10; i++) {
            final RawHttp.Response r = post("/v1/messages", body, "x-api-key", "sk-ant-test");
            assertThat(r.status).isEqualTo(200);
            final StringBuilder text = new StringBuilder();
            for (final RawHttp.Chunk c : r.chunks) {
                final JsonNode d = data(c);
                if ("text_delta".equals(d.at("/delta/type").asText())) {
                    text.append(d.at("/delta/text").asText());
                }
            }
            assertThat(text.toString()).isIn("In the journal.", "Nowhere at all.");
        }
        final String openAi = "{\"model\":\"gpt-x\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
            + "\"[[mock answers=only%20one]]\"}]}";
        final RawHttp.Response r = post("/v1/chat/completions", openAi, "authorization", "Bearer sk-test");
        final StringBuilder text = new StringBuilder();
        for (final RawHttp.Chunk c : r.chunks) {
            final String t = c.text();
            if (t.startsWith("data: {")) {
                text.append(data(c).at("/choices/0/delta/content").asText(""));
            }
        }
        assertThat(text.toString()).isEqualTo("only one");
    }

    @Test
    void shouldJudgeWhetherTheAnswerHoldsTheExpectedText() throws IOException {
        final String[][] cases = {
            {"<answer>It is in the\\nJournal.</answer> <expected> journal </expected>",
                "{\"pass\":true,\"reason\":\"the answer contains the expected text\"}"},
            {"<answer>Nowhere</answer> <expected>journal</expected>",
                "{\"pass\":false,\"reason\":\"the answer does not contain the expected text\"}"},
            {"<answer>journal</answer> and nothing expected",
                "{\"pass\":false,\"reason\":\"no <answer> or <expected> element\"}"}};
        for (final String[] c : cases) {
            final RawHttp.Response r = post("/v1/chat/completions", chat("Rubric [[mock judge=1]] " + c[0]),
                "authorization", "Bearer sk-test");
            assertThat(r.status).as(c[0]).isEqualTo(200);
            final String verdict = json(r.body()).at("/choices/0/message/content").asText();
            assertThat(verdict).as(c[0]).isEqualTo(c[1]);
            assertThat(json(verdict).get("pass").asBoolean()).as(c[0]).isEqualTo(c[1].contains("true"));
        }
    }

    @Test
    void shouldRefuseABadDistributionNamingTheParameter() throws IOException {
        for (final String[] bad : new String[][] {{"answers=a|b p=0.5|0.6", "p: "}, {"answers=a|b p=1", "p: "},
            {"p=0.5|0.5", "p: "}, {"answers=a echo=2", "answers: "}, {"answers=a|%zz", "answers: "},
            {"judge=1 echo=2", "judge: "}}) {
            final RawHttp.Response r = post("/v1/chat/completions", chat("x [[mock " + bad[0] + "]]"),
                "authorization", "Bearer sk-test");
            assertThat(r.status).as(bad[0]).isEqualTo(400);
            assertThat(json(r.body()).at("/error/message").asText()).as(bad[0]).startsWith(bad[1]);
        }
    }
}
