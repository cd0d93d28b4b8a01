package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.cli.JournalCommand;
import dev.sluice.proxy.cli.AgentsCommand;
import dev.sluice.proxy.cli.EvalCommand;
import dev.sluice.routing.agents.AgentCatalog;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An agent's evaluation gate ({@code gate: {eval: SET, min_pass_rate, no_regression}}) against recorded runs: a
 * promotion is refused without a recorded run of that exact version, below the minimum, and significantly below
 * production's recorded run, and goes through otherwise; a run is recorded only when the gateway finds its samples
 * among its own eval requests; every refusal and move is an ADMIN record; {@code eval history} lists the runs. The
 * mock model is programmed to answer right at a given rate, standing for a better or worse prompt.
 */
@Timeout(300)
class EvalGateSystemTest {
    private static final String ADMIN_TOKEN = "sluice-admin-canary-evalgate";
    private static final String KEY = "sk-evalgate-caller-0001";
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path dir;
    private TestGateway gw;
    private ConfigReloader reloader;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("sluice-evalgate");
        try {
            Files.writeString(dir.resolve("sluice.yaml"), "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                    + "mock_provider: {enabled: true}\n"
                    + "admin: {token: " + ADMIN_TOKEN + "}\n"
                    + "providers:\n  mock: {kind: openai, base_url: mock}\n"
                    + "models:\n  m: {provider: mock, model: mock-gpt, price: {input: 0.15, output: 0.60}}\n"
                    + "teams:\n  t: {}\n"
                    + "keys:\n" + GovernanceSystemTest.keyLine("caller", KEY, "models: [], agents: [gated]"));
            Path agent = Files.createDirectories(dir.resolve("agents/gated"));
            Files.writeString(agent.resolve("agent.yaml"), "owners: [ann]\nmodel: m\n"
                    + "gate: {eval: capitals, min_pass_rate: 0.7, no_regression: true}\n");
            Files.writeString(agent.resolve("prompt.md"), "PROMPT-ONE\n");
            StringBuilder set = new StringBuilder("samples: 10\nconcurrency: 8\ngraders: [{contains: true}]\ncases:\n");
            for (int i = 0; i < 50; i++) {
                set.append("  - {id: q").append(i).append(", expected: Paris, input: \"capital, ").append(i)
                        .append("?\"}\n");
            }
            Files.createDirectories(dir.resolve("evals"));
            Files.writeString(dir.resolve("evals/capitals.yaml"), set.toString());
            gw = TestGateway.startFrom(dir.resolve("sluice.yaml"), dir);
        } catch (Throwable e) {
            TempDirs.deleteRecursively(dir);
            throw e;
        }
        reloader = ConfigReloader.start(gw.gateway(), dir.resolve("sluice.yaml"), Map.of(), true);
    }

    @AfterEach
    void stop() {
        if (reloader != null) {
            reloader.close();
        }
        if (gw != null) {
            gw.close();
        }
    }

    private String version(String label) {
        return gw.gateway().config().agents().agent("gated").labelled(label).version();
    }

    /** {@code sluice eval run capitals --target agent/gated@V --record}, with the mock right at {@code rate}. */
    private int recordRun(String version, double rate, int seed, String[] out) {
        gw.mock().behave("mock-gpt", "answers=Paris|Lyon p=" + rate + "|" + Math.round((1 - rate) * 100) / 100.0
                + " seed=" + seed);
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(o)).setErr(new PrintWriter(e)).execute(
                "run", "capitals", "--target", "agent/gated@" + version, "--record", "--config",
                dir.resolve("sluice.yaml").toString(), "--url", gw.baseUrl(), "--key", KEY, "--data-dir",
                gw.dataDir().toString(), "--admin-url", "http://127.0.0.1:" + gw.gateway().adminPort(),
                "--admin-token", ADMIN_TOKEN);
        out[0] = o.toString();
        out[1] = e.toString();
        return rc;
    }

    private HttpResponse<String> promote(String version) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway().adminPort()
                        + "/admin/agents/gated/promote")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"" + version + "\",\"to\":\"production\","
                        + "\"actor\":\"ann\"}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String newVersion(String prompt) throws Exception {
        String before = version(AgentCatalog.STAGING);
        Files.writeString(dir.resolve("agents/gated/prompt.md"), prompt);
        await().atMost(Duration.ofSeconds(30)).until(() -> !version(AgentCatalog.STAGING).equals(before));
        return version(AgentCatalog.STAGING);
    }

    @Test
    void aPromotionNeedsAPassingRecordedRunOfThatVersionAndNoRegression() throws Exception {
        String v1 = version(AgentCatalog.PRODUCTION);
        String v2 = newVersion("PROMPT-TWO\n");
        String[] out = new String[2];
        List<String> said = new ArrayList<>();

        HttpResponse<String> r = promote(v2);
        said.add("no run: " + r.statusCode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.body()).contains("gate_refused").contains("no recorded run of eval capitals")
                .contains("--target agent/gated@" + v2 + " --record");

        assertThat(recordRun(v2, 0.5, 1, out)).as(out[1]).isZero();
        assertThat(out[1]).contains("recorded in the journal");
        r = promote(v2);
        said.add("v2 at 0.5: " + r.statusCode() + " " + JSON.readTree(r.body()).at("/error/message").asText());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("is below the gate's 0.7");

        assertThat(recordRun(v2, 0.9, 2, out)).as(out[1]).isZero();
        r = promote(v2);
        said.add("v2 at 0.9, production unmeasured: " + r.statusCode());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("no recorded run of production " + v1);

        assertThat(recordRun(v1, 0.9, 3, out)).as(out[1]).isZero();
        r = promote(v2);
        said.add("v2 at 0.9 against production at 0.9: " + r.statusCode());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(version(AgentCatalog.PRODUCTION)).isEqualTo(v2);

        // A version above the minimum but clearly below production is a regression.
        String v3 = newVersion("PROMPT-THREE\n");
        assertThat(recordRun(v3, 0.75, 4, out)).as(out[1]).isZero();
        r = promote(v3);
        said.add("v3 at 0.75 against production at 0.9: " + r.statusCode() + " "
                + JSON.readTree(r.body()).at("/error/message").asText());
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(r.body()).contains("significantly worse than production " + v2);
        // Asked to, the command line runs and records the gate's set itself, then promotes.
        String v4 = newVersion("PROMPT-FOUR\n");
        gw.mock().behave("mock-gpt", "answers=Paris|Lyon p=0.9|0.1 seed=5");
        StringWriter promoted = new StringWriter();
        int rc = new CommandLine(new AgentsCommand()).setOut(new PrintWriter(promoted))
                .setErr(new PrintWriter(promoted)).execute("promote", "gated", "staging", "--as", "ann", "--run-eval",
                        "--key", KEY, "--config", dir.resolve("sluice.yaml").toString(), "--url", gw.baseUrl(),
                        "--admin-url",
                        "http://127.0.0.1:" + gw.gateway().adminPort(), "--admin-token", ADMIN_TOKEN);
        said.add("v4 at 0.9 with --run-eval: exit " + rc);
        assertThat(rc).as(promoted.toString()).isZero();
        assertThat(promoted.toString()).contains("recorded in the journal").contains("production " + v2 + " -> " + v4);
        assertThat(version(AgentCatalog.PRODUCTION)).isEqualTo(v4);
        System.out.println("eval gate (min 0.7, no regression), 50 cases x 10 samples per run: " + said);

        // The history of runs, and the journal's ADMIN records of the gate's answers and of the recordings.
        StringWriter h = new StringWriter();
        assertThat(new CommandLine(new EvalCommand()).setOut(new PrintWriter(h)).execute("history", "agent/gated",
                "--data-dir", gw.dataDir().toString(), "--config", dir.resolve("sluice.yaml").toString())).isZero();
        assertThat(h.toString().strip().lines()).hasSize(5);
        // journal show of a sample names the run it was recorded in.
        String sample = null;
        for (JournalEntry e : gw.journal()) {
            if ("eval".equals(e.request().useCase()) && v3.equals(e.request().agentVersion())) {
                sample = RequestIds.format(e.requestId());
            }
        }
        StringWriter shown = new StringWriter();
        assertThat(new CommandLine(new JournalCommand()).setOut(new PrintWriter(shown))
                .execute("show", sample, "--json", "--data-dir", gw.dataDir().toString())).isZero();
        assertThat(JSON.readTree(shown.toString()).path("eval_runs")).singleElement().satisfies(run -> {
            assertThat(run.path("set").asText()).isEqualTo("capitals");
            assertThat(run.path("agent_version").asText()).isEqualTo(v3);
            assertThat(run.path("samples").asInt()).isEqualTo(500);
        });
        assertThat(h.toString()).contains("agent/gated@" + v1).contains("agent/gated@" + v3).contains("by admin");
        List<String> admin = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(gw.gateway().journalDir())) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onAdmin(AdminRecord a) {
                    if (a.action().startsWith("agents.promote") || a.action().startsWith("evals.")) {
                        admin.add(a.action() + " " + a.outcome().wireName());
                    }
                }
            }, 1000) > 0) {
                // read on
            }
        }
        assertThat(admin).containsSubsequence("agents.promote denied", "evals.record ok", "agents.promote denied",
                "evals.record ok", "agents.promote denied", "evals.record ok", "agents.promote ok", "evals.record ok",
                "agents.promote denied");
    }

    @Test
    void aRunIsRecordedOnlyWhenItsSamplesAreTheGatewaysOwnEvalRequests() throws Exception {
        String v1 = version(AgentCatalog.PRODUCTION);
        // A request made outside an evaluation: not a sample.
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl()
                        + "/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"agent/gated\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(200);
        String id = TestGateway.requestId(plain);
        gw.awaitEnd(id);
        // The set's version, as sluice eval list prints it (name, version, ...).
        StringWriter o = new StringWriter();
        new CommandLine(new EvalCommand()).setOut(new PrintWriter(o)).execute("list", "--config",
                dir.resolve("sluice.yaml").toString());
        String setVersion = o.toString().split("\\s+")[1];
        for (String[] c : new String[][] {
            {"{\"set\":\"capitals\",\"set_version\":\"" + setVersion + "\",\"target\":\"agent/gated@" + v1
                + "\",\"samples\":1,\"passes\":1,\"request_ids\":[\"" + id + "\"]}", "409", "not_an_eval"},
            {"{\"set\":\"capitals\",\"set_version\":\"000000000000\",\"target\":\"agent/gated\",\"samples\":1,"
                + "\"passes\":1,\"request_ids\":[\"" + id + "\"]}", "409", "set_changed"},
            {"{\"set\":\"capitals\",\"set_version\":\"" + setVersion + "\",\"target\":\"agent/gated\",\"samples\":1,"
                + "\"passes\":1,\"request_ids\":[\"req_00000000000000ff\"]}", "409", "unknown_sample"},
            {"{\"set\":\"capitals\",\"set_version\":\"" + setVersion + "\",\"target\":\"agent/gated\",\"samples\":2,"
                + "\"passes\":3,\"request_ids\":[\"" + id + "\"]}", "400", "invalid_request"}}) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + gw.gateway().adminPort() + "/admin/evals")).header("Authorization", "Bearer "
                            + ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.ofString(c[0])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(Integer.parseInt(c[1]));
            assertThat(r.body()).contains(c[2]);
        }
        StringWriter h = new StringWriter();
        new CommandLine(new EvalCommand()).setOut(new PrintWriter(h)).execute("history", "--data-dir",
                gw.dataDir().toString(), "--config", dir.resolve("sluice.yaml").toString());
        assertThat(h.toString()).contains("no recorded runs");
    }
}
