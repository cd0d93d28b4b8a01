package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.JournalEntry;
import dev.sluice.proxy.cli.EvalCommand;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Evaluation runs end to end (issue: evaluation before scaling): {@code sluice eval run} against a real gateway on
 * the shipped configuration, whose mock answers from a known distribution. The pass rate's 95% interval covers the
 * mock's true rate (0.8) in at least 18 of 20 runs of a 50-case set at 10 samples; {@code --min-pass-rate} is the
 * exit code; every sample is a journaled request with use case {@code eval}; each grader judges the mock's answers;
 * the shipped demo set runs against the demo agent; mistakes exit 2.
 */
@Timeout(600)
class EvalSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private Path dir;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start();
        dir = Files.createTempDirectory("sluice-evals");
        Files.createDirectories(dir.resolve("evals"));
    }

    @AfterEach
    void stop() {
        try {
            if (gw != null) {
                gw.close();
            }
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    /** Runs {@code sluice eval ARGS} against the test gateway; {@code out[0]} gets stdout, {@code out[1]} stderr. */
    private int eval(String[] out, String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        if (args[0].equals("run") || args[0].equals("compare")) {
            all.addAll(List.of("--url", gw.baseUrl(), "--data-dir", gw.dataDir().toString()));
            if (!all.contains("--key")) {
                all.addAll(List.of("--key", TestGateway.DEMO_KEY));
            }
        }
        all.addAll(List.of("--config", dir.resolve("sluice.yaml").toString()));
        int rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(o)).setErr(new PrintWriter(e))
                .execute(all.toArray(new String[0]));
        out[0] = o.toString();
        out[1] = e.toString();
        return rc;
    }

    private void writeSet(String name, String yaml) throws Exception {
        Files.writeString(dir.resolve("evals").resolve(name + ".yaml"), yaml);
    }

    /** 50 cases, each answered "Paris" with probability 0.8 (else "Lyon") from its own seeded sequence. */
    private static String p80(int run) {
        StringBuilder b = new StringBuilder("target: demo\nsamples: 10\nconcurrency: 8\ngraders: [{contains: true}]\n"
                + "cases:\n");
        for (int i = 0; i < 50; i++) {
            b.append("  - {id: q").append(i).append(", expected: Paris, input: \"capital? [[mock answers=Paris|Lyon "
                    + "p=0.8|0.2 seed=").append(run * 100 + i).append("]]\"}\n");
        }
        return b.toString();
    }

    @Test
    void theIntervalCoversTheTrueRateAndTheGateIsTheExitCode() throws Exception {
        int runs = Integer.getInteger("sluice.eval.runs", 20);
        int misses = 0;
        StringBuilder rates = new StringBuilder();
        String[] out = new String[2];
        for (int run = 0; run < runs; run++) {
            writeSet("p80", p80(run));
            assertThat(eval(out, "run", "p80", "--json")).as(out[1]).isZero();
            JsonNode overall = JSON.readTree(out[0]).path("overall");
            assertThat(overall.path("samples").asInt()).isEqualTo(500);
            assertThat(overall.path("errors").asInt()).isZero();
            double low = overall.path("ci95_low").asDouble();
            double high = overall.path("ci95_high").asDouble();
            if (low > 0.8 || high < 0.8) {
                misses++;
            }
            rates.append(rates.length() == 0 ? "" : ", ").append(overall.path("pass_rate").asText()).append(" [")
                    .append(low).append(", ").append(high).append(']');
            if (run == 0) {
                assertThat(overall.path("cost_micros").asLong()).as("priced from the journal").isPositive();
                assertThat(overall.path("tokens_out").asLong()).isPositive();
            }
        }
        System.out.printf("eval: %d runs of 50 cases x 10 samples, the mock right with p=0.8: the 95%% interval "
                + "missed 0.8 in %d; pass rates %s%n", runs, misses, rates);
        assertThat(misses).isLessThanOrEqualTo(runs / 10);

        // The gate: the same set against 0.9 fails (exit 1), against 0.7 holds (exit 0).
        writeSet("p80", p80(runs));
        int strict = eval(out, "run", "p80", "--min-pass-rate", "0.9");
        assertThat(out[0]).contains("gate: pass rate").contains("FAILS");
        int lenient = eval(out, "run", "p80", "--min-pass-rate", "0.7");
        assertThat(out[0]).contains("holds");
        System.out.printf("eval gate: --min-pass-rate 0.9 exits %d, 0.7 exits %d%n", strict, lenient);
        assertThat(strict).isEqualTo(1);
        assertThat(lenient).isZero();
        long evalRequests = 0;
        for (JournalEntry e : gw.journal()) {
            if ("eval".equals(e.request().useCase())) {
                evalRequests++;
            }
        }
        assertThat(evalRequests).as("every sample is a request journaled with use case eval")
                .isEqualTo((runs + 2) * 500L);
    }

    @Test
    void compareSaysNotDistinguishableForEqualRatesAndWorseForALowerOne() throws Exception {
        // The two aliases' mock models answer from their own sequences: demo (OpenAI dialect) right at 0.8, and
        // demo-claude (Anthropic, translated) right at 0.8, then at 0.6.
        gw.mock().behave("mock-gpt", "answers=Paris|Lyon p=0.8|0.2 seed=11");
        gw.mock().behave("mock-claude", "answers=Paris|Lyon p=0.8|0.2 seed=12");
        StringBuilder cases = new StringBuilder("samples: 10\nconcurrency: 8\ngraders: [{contains: true}]\ncases:\n");
        for (int i = 0; i < 50; i++) {
            cases.append("  - {id: q").append(i).append(", expected: Paris, input: \"capital, ").append(i)
                    .append("?\"}\n");
        }
        writeSet("swap", cases.toString());
        String[] out = new String[2];
        assertThat(eval(out, "compare", "swap", "--baseline", "demo", "--candidate", "demo-claude", "--json"))
                .as(out[1]).isZero();
        JsonNode same = JSON.readTree(out[0]);
        gw.mock().behave("mock-claude", "answers=Paris|Lyon p=0.6|0.4 seed=13");
        int rc = eval(out, "compare", "swap", "--baseline", "demo", "--candidate", "demo-claude");
        String people = out[0];
        assertThat(eval(out, "compare", "swap", "--baseline", "demo", "--candidate", "demo-claude", "--json"))
                .isEqualTo(1);
        JsonNode lower = JSON.readTree(out[0]);
        System.out.printf("eval compare, 50 cases x 10 samples: 0.8 against 0.8: %s, difference %s [%s, %s]; 0.6 "
                        + "against 0.8: %s, difference %s [%s, %s] (exit %d)%n",
                same.at("/overall/verdict").asText(), same.at("/overall/difference").asText(),
                same.at("/overall/ci95_low").asText(), same.at("/overall/ci95_high").asText(),
                lower.at("/overall/verdict").asText(), lower.at("/overall/difference").asText(),
                lower.at("/overall/ci95_low").asText(), lower.at("/overall/ci95_high").asText(), rc);
        assertThat(same.at("/overall/verdict").asText()).isEqualTo("not distinguishable");
        assertThat(lower.at("/overall/verdict").asText()).isEqualTo("worse");
        assertThat(rc).isEqualTo(1);
        assertThat(people).contains("overall: WORSE").contains("by case:").contains("paired t interval over cases");
        assertThat(lower.at("/baseline/samples").asInt()).isEqualTo(500);
        assertThat(lower.at("/candidate/samples").asInt()).isEqualTo(500);
        assertThat(lower.at("/candidate/cost_per_request_micros").asDouble()).isPositive();
        long evalRequests = 0;
        for (JournalEntry e : gw.journal()) {
            if ("eval".equals(e.request().useCase())) {
                evalRequests++;
            }
        }
        assertThat(evalRequests).as("every sample of both sides is journaled with use case eval").isEqualTo(3000);
    }

    @Test
    void eachGraderJudgesTheMocksAnswers() throws Exception {
        writeSet("graders", "target: demo\nsamples: 2\ncases:\n"
                + "  - {id: exact, expected: Paris, input: \"[[mock answers=Paris]]\", graders: [{exact: true}]}\n"
                + "  - {id: contains, expected: paris, input: \"[[mock answers=Paris%20it%20is]]\", graders: [{contains: true}]}\n"
                + "  - {id: regex, input: \"[[mock answers=Paris]]\", graders: [{regex: '^P\\w+s$'}]}\n"
                + "  - {id: json, input: '[[mock answers={\"a\":1}]]', graders: [{json: true}]}\n"
                + "  - id: schema\n    input: '[[mock answers={\"status\":\"ok\",\"n\":3}]]'\n"
                + "    graders: [{json_schema: {type: object, required: [status, n], properties: {n: {type: integer}}}}]\n"
                + "  - id: tool\n    input: \"weather? [[mock tool_call=1]]\"\n"
                + "    tools: [{type: function, function: {name: get_weather, parameters: {type: object, "
                + "properties: {city: {type: string}}, required: [city]}}}]\n"
                + "    graders: [{tool_call: {name: get_weather, arguments: {city: x}}}]\n"
                + "  - {id: numeric, expected: '42', input: \"[[mock answers=about%2041.8]]\", "
                + "graders: [{numeric: {tolerance: 0.5}}]}\n"
                + "  - id: judged\n    expected: journal\n    input: \"[[mock answers=It%20is%20in%20the%20journal]]\"\n"
                + "    graders: [{llm_judge: {model: demo, rubric: 'Is it the journal? [[mock judge=1]]'}}]\n"
                + "  - {id: wrong, expected: Lyon, input: \"[[mock answers=Paris]]\", graders: [{contains: true}]}\n"
                + "  - id: judged-wrong\n    expected: journal\n    input: \"[[mock answers=Nowhere]]\"\n"
                + "    graders: [{llm_judge: {model: demo, rubric: 'Is it the journal? [[mock judge=1]]'}}]\n");
        Path html = dir.resolve("report.html");
        String[] out = new String[2];
        assertThat(eval(out, "run", "graders", "--json", "--html", html.toString())).as(out[1]).isZero();
        JsonNode report = JSON.readTree(out[0]);
        StringBuilder seen = new StringBuilder();
        for (JsonNode c : report.path("by_case")) {
            String id = c.path("case").asText();
            seen.append(id).append('=').append(c.path("pass_rate").asText()).append(' ');
            assertThat(c.path("pass_rate").asDouble()).as(id + ": " + c.path("failures"))
                    .isEqualTo(id.contains("wrong") ? 0.0 : 1.0);
        }
        System.out.println("eval graders on the mock: " + seen.toString().strip());
        JsonNode wrong = report.path("by_case").get(8).path("failures").get(0);
        assertThat(wrong.path("answer").asText()).isEqualTo("Paris");
        assertThat(wrong.path("reasons").get(0).asText()).contains("contains").contains("Lyon");
        assertThat(report.path("by_case").get(9).path("failures").get(0).path("reasons").get(0).asText())
                .startsWith("llm_judge");
        assertThat(Files.readString(html)).startsWith("<!DOCTYPE html>").contains("judged-wrong")
                .doesNotContain("<script");
    }

    @Test
    void theShippedDemoSetRunsOnTheDemoAgentAndMistakesExitTwo() throws Exception {
        Files.copy(TestGateway.defaultConfig().toAbsolutePath().getParent().resolve("evals/demo.yaml"),
                dir.resolve("evals/demo.yaml"));
        String[] out = new String[2];
        assertThat(eval(out, "list")).isZero();
        assertThat(out[0]).contains("demo").contains("agent/demo-agent");
        int rc = eval(out, "run", "demo", "--min-pass-rate", "0.5");
        System.out.println("eval demo on the shipped configuration:\n" + out[0].strip());
        assertThat(rc).as(out[0] + out[1]).isZero();
        assertThat(out[0]).contains("served by agent/demo-agent@" + gw.gateway().config().agents()
                .agent("demo-agent").labelled("production").version());

        assertThat(eval(out, "run", "nope")).isEqualTo(2);
        assertThat(out[1]).contains("no evaluation set 'nope'").contains("demo");
        assertThat(eval(out, "run", "demo", "--key", "sk-not-a-key")).isEqualTo(2);
        assertThat(out[1]).contains("refused every request").contains("401");
        assertThat(eval(out, "run", "demo", "--min-pass-rate", "1.5")).isEqualTo(2);
        assertThat(new CommandLine(new EvalCommand()).setErr(new PrintWriter(new StringWriter())).execute("run",
                "demo", "--url", "localhost:8080", "--key", TestGateway.DEMO_KEY, "--config",
                dir.resolve("sluice.yaml").toString())).isEqualTo(2);
        writeSet("broken", "cases:\n  - {id: a, input: x, graders: [{contanis: x}]}\n");
        assertThat(eval(out, "run", "broken")).isEqualTo(2);
        assertThat(out[1]).contains("broken.yaml").contains("contanis").contains("unknown grader");
    }
}
