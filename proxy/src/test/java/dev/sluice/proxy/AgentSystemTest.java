package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.Capture;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.cli.JournalCommand;
import dev.sluice.mock.MockRecord;
import dev.sluice.proxy.cli.AgentsCommand;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentVersion;
import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Agents end to end (issue: agents as owned, versioned artifacts): a real gateway reading {@code agents/} beside its
 * configuration file, the built-in mock as the provider, the file watch on. Calls in both dialects, streamed and
 * not; what the provider received (rendered prompt, context, parameters, no {@code variables}); the journal's agent
 * fields; refusals that leak nothing and reach no provider; an edit followed by staging under load while production
 * stays until promoted, with every record naming the version whose prompt the provider got; review by a second
 * owner, an evaluation gate that says no, rollback; the admin records of each.
 */
@Timeout(180)
class AgentSystemTest {
    private static final String CALLER = "sk-agents-caller-0001";
    private static final String STRANGER = "sk-agents-stranger-01";
    private static final String OTHER_TEAM = "sk-agents-otherteam-1";
    private static final String NARROWED = "sk-agents-narrowed-01";
    private static final String ADMIN_TOKEN = "sluice-admin-canary-agents";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Path dir;
    private TestGateway gw;
    private ConfigReloader reloader;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("sluice-agents");
        try {
            Files.writeString(dir.resolve("sluice.yaml"), "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                    + "mock_provider: {enabled: true}\n"
                    + "admin: {token: " + ADMIN_TOKEN + "}\n"
                    + "journal: {capture: full}\n"
                    + "providers:\n"
                    + "  mock: {kind: openai, base_url: mock}\n"
                    + "  mock-anthropic: {kind: anthropic, base_url: mock}\n"
                    + "models:\n"
                    + "  m-openai: {provider: mock, model: mock-gpt, price: {input: 0.15, output: 0.60}}\n"
                    + "  m-claude: {provider: mock-anthropic, model: mock-claude, price: {input: 3, output: 15}}\n"
                    + "teams:\n  t: {}\n  other: {agents: [helper]}\n  narrow: {agents: [claude-helper]}\n"
                    + "keys:\n"
                    + GovernanceSystemTest.keyLine("caller", CALLER, "models: [], agents: [helper, claude-helper, "
                    + "reviewed, limited, budgeted]")
                    + GovernanceSystemTest.keyLine("stranger", STRANGER, "models: [m-openai]")
                    + GovernanceSystemTest.keyLine("otherteam", OTHER_TEAM, "").replace("team: t", "team: other")
                    + GovernanceSystemTest.keyLine("narrowed", NARROWED, "agents: [limited, claude-helper]")
                    .replace("team: t", "team: narrow"));
            agent("helper", "owners: [ann]\nmodel: m-openai\nparameters: {temperature: 0.3, max_tokens: 100}\n"
                    + "teams: [t]\ncontext:\n  faq.md: {owner: ann}\n", "PROMPT-ONE You help {{customer}}.\n",
                    Map.of("faq.md", "FAQ-MARKER: the gateway journals every request.\n"));
            agent("claude-helper", "owners: [ann]\nmodel: m-claude\ncapture: metadata\n", "CLAUDE-PROMPT for {{customer}}\n", Map.of());
            agent("reviewed", "owners: [alice, bob]\nmodel: m-openai\nreview: required\ngate: eval-x\n",
                    "REVIEWED-ONE\n", Map.of());
            agent("limited", "owners: [ann]\nmodel: m-openai\nlimits: {requests_per_minute: 2}\n", "L\n", Map.of());
            agent("budgeted", "owners: [ann]\nmodel: m-openai\nparameters: {max_tokens: 20}\n"
                    + "budget: {period: day, hard: 0.00004}\n", "B\n", Map.of());
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

    private void agent(String name, String settings, String prompt, Map<String, String> context) throws IOException {
        Path a = Files.createDirectories(dir.resolve("agents").resolve(name));
        Files.writeString(a.resolve("agent.yaml"), settings);
        Files.writeString(a.resolve("prompt.md"), prompt);
        if (!context.isEmpty()) {
            Files.createDirectories(a.resolve("context"));
            for (Map.Entry<String, String> c : context.entrySet()) {
                Files.writeString(a.resolve("context").resolve(c.getKey()), c.getValue());
            }
        }
    }

    @Test
    void bothDialectsStreamedAndNotSendTheRenderedPromptAndContextUpstream() throws Exception {
        String production = version("helper", AgentCatalog.PRODUCTION);
        List<String> ids = new ArrayList<>();
        for (boolean stream : new boolean[] {false, true}) {
            HttpResponse<String> o = openAi(CALLER, "{\"model\":\"agent/helper\",\"stream\":" + stream
                    + ",\"max_tokens\":4000,\"variables\":{\"customer\":\"Ada\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(o.statusCode()).as(o.body()).isEqualTo(200);
            ids.add(TestGateway.requestId(o));
            HttpResponse<String> a = anthropic(CALLER, "{\"model\":\"agent/helper\",\"stream\":" + stream
                    + ",\"max_tokens\":50,\"variables\":{\"customer\":\"Ada\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
            ids.add(TestGateway.requestId(a));
            HttpResponse<String> c = anthropic(CALLER, "{\"model\":\"agent/claude-helper\",\"stream\":" + stream
                    + ",\"max_tokens\":50,\"system\":\"the caller's own system text\",\"variables\":{\"customer\":"
                    + "\"Bo\"},\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
            assertThat(c.statusCode()).as(c.body()).isEqualTo(200);
            ids.add(TestGateway.requestId(c));
        }
        List<MockRecord> upstream = gw.upstreamRecords();
        assertThat(upstream).hasSize(6);
        int openAiBodies = 0;
        for (MockRecord r : upstream) {
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.has("variables")).as("variables never go upstream").isFalse();
            if (r.path().endsWith("/chat/completions")) {
                openAiBodies++;
                // The rendered prompt and the context file, first, as a system message; the agent's parameters.
                JsonNode first = body.path("messages").get(0);
                assertThat(first.path("role").asText()).isEqualTo("system");
                assertThat(first.path("content").asText()).startsWith("PROMPT-ONE You help Ada.")
                        .contains("<context file=\"faq.md\">\nFAQ-MARKER: the gateway journals every request.\n"
                                + "</context>");
                assertThat(body.path("messages").get(1).path("content").asText()).isEqualTo("hello");
                assertThat(body.path("model").asText()).isEqualTo("mock-gpt");
                assertThat(body.path("temperature").asDouble()).isEqualTo(0.3);
                assertThat(body.path("max_tokens").asInt()).isLessThanOrEqualTo(100);
            } else {
                // Anthropic's system: the agent's text first, then the caller's own.
                assertThat(r.path()).endsWith("/messages");
                assertThat(body.path("system").asText()).isEqualTo("CLAUDE-PROMPT for Bo\n\nthe caller's own system text");
                assertThat(body.path("model").asText()).isEqualTo("mock-claude");
            }
        }
        assertThat(openAiBodies).isEqualTo(4);
        for (String id : ids) {
            JournalEntry e = gw.awaitEnd(id);
            assertThat(e.request().agent()).isIn("helper", "claude-helper");
            assertThat(e.request().agentLabel()).isEqualTo(AgentCatalog.PRODUCTION);
            assertThat(e.request().agentVersion()).isEqualTo(e.request().agent().equals("helper") ? production
                    : version("claude-helper", AgentCatalog.PRODUCTION));
            assertThat(e.request().requestedModel()).startsWith("agent/");
            assertThat(e.end().status()).isEqualTo(200);
            // The journal keeps the request as it went upstream (journal.capture: full), but only its digest for
            // the agent whose agent.yaml says capture: metadata.
            RequestHistory h = RequestHistory.find(List.of(gw.gateway().journalDir()), e.requestId());
            if (e.request().agent().equals("helper")) {
                assertThat(e.end().capture()).isEqualTo(Capture.FULL);
                assertThat(new String(h.requestBody(), StandardCharsets.UTF_8)).contains("PROMPT-ONE You help Ada.")
                        .doesNotContain("variables");
            } else {
                assertThat(e.end().capture()).isEqualTo(Capture.METADATA);
                assertThat(h.requestBodyDigestOnly()).isTrue();
                assertThat(h.answer()).isEmpty();
            }
        }
        // journal export --format csv carries the agent, its version and the label, as its last three columns.
        StringWriter csv = new StringWriter();
        assertThat(new CommandLine(new JournalCommand()).setOut(new PrintWriter(csv)).execute("export", "--format",
                "csv", "--data-dir", gw.dataDir().toString())).isZero();
        List<String> lines = csv.toString().strip().lines().toList();
        assertThat(lines.get(0)).endsWith(",request,answer,agent,agent_version,agent_label");
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertThat(f[f.length - 3] + "@" + f[f.length - 2] + " " + f[f.length - 1]).as(line)
                    .isIn("helper@" + production + " production", "claude-helper@"
                            + version("claude-helper", AgentCatalog.PRODUCTION) + " production");
        }
        assertThat(lines).hasSize(1 + ids.size());
        // The version store keeps what was served, under the data directory.
        assertThat(gw.dataDir().resolve("agents/helper/versions").resolve(production).resolve("prompt.md"))
                .hasContent("PROMPT-ONE You help {{customer}}.\n");
    }

    @Test
    void refusalsNameNothingAndReachNoProvider() throws Exception {
        HttpResponse<String> missing = openAi(CALLER, "{\"model\":\"agent/helper\",\"messages\":[]}");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("\"param\":\"variables.customer\"").contains("needs the variable 'customer'");
        HttpResponse<String> missingA = anthropic(CALLER, "{\"model\":\"agent/helper\",\"max_tokens\":5,"
                + "\"messages\":[]}");
        assertThat(missingA.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(missingA.body()).path("type").asText()).isEqualTo("error");
        HttpResponse<String> badVars = openAi(CALLER, "{\"model\":\"agent/helper\",\"variables\":{\"customer\":{}},"
                + "\"messages\":[]}");
        assertThat(badVars.statusCode()).isEqualTo(400);

        // Names, labels, versions: exact only; agents not granted; the underlying model called directly.
        String hidden = "{\"model\":\"%s\",\"variables\":{\"customer\":\"x\"},\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"}]}";
        Map<String, String[]> attempts = new HashMap<>();
        for (String model : List.of("agent/nope", "Agent/helper", "agent/Helper", "AGENT/helper", "agent/helper ",
                "agent//helper", "agent/helper@", "agent/helper@Production", "agent/helper@nolabel",
                "agent/helper@000000000000", "agent/helper@staging@staging", "agent/helper/../reviewed",
                "agent/%68elper", "agent/h\\u0065lper", "agent/reviewed\\u0000")) {
            attempts.put(model, new String[] {CALLER, String.format(hidden, model)});
        }
        attempts.put("stranger: agent/helper", new String[] {STRANGER, String.format(hidden, "agent/helper")});
        attempts.put("other team: agent/helper (team grants it; the agent's teams do not)",
                new String[] {OTHER_TEAM, String.format(hidden, "agent/helper")});
        attempts.put("caller: m-openai directly", new String[] {CALLER, String.format(hidden, "m-openai")});
        attempts.put("narrowed: agent/limited (the key grants it, its team does not)",
                new String[] {NARROWED, String.format(hidden, "agent/limited")});
        for (Map.Entry<String, String[]> a : attempts.entrySet()) {
            HttpResponse<String> r = openAi(a.getValue()[0], a.getValue()[1]);
            assertThat(r.statusCode()).as(a.getKey() + ": " + r.body()).isIn(400, 403, 404);
            assertThat(r.body()).as(a.getKey()).doesNotContain("PROMPT-ONE").doesNotContain("FAQ-MARKER")
                    .doesNotContain("REVIEWED");
        }
        HttpResponse<String> embeddings = post("/v1/embeddings", CALLER, "{\"model\":\"agent/helper\",\"input\":\"x\","
                + "\"variables\":{\"customer\":\"x\"}}", false);
        assertThat(embeddings.statusCode()).isIn(400, 404);
        assertThat(gw.upstreamRecords()).as("no refused request reached the provider").isEmpty();
        List<JournalEntry> journal = gw.journal();
        assertThat(journal).hasSize(attempts.size() + 4);
        assertThat(journal).allSatisfy(e -> {
            assertThat(e.end().costMicros()).isLessThanOrEqualTo(0);
            assertThat(e.end().status()).isIn(400, 403, 404);
        });
        System.out.printf("agents access matrix (E3): %d attempts (names, labels, versions, case and encoding tricks, "
                + "agents not granted, the model directly) and 4 malformed: 0 served, %d upstream requests, %d "
                + "billed%n", attempts.size(), gw.upstreamRecords().size(),
                journal.stream().filter(e -> e.end().costMicros() > 0).count());
        // GET /v1/models lists the agents a key may call, and no other.
        assertThat(models(CALLER)).contains("agent/helper", "agent/claude-helper", "agent/reviewed")
                .doesNotContain("m-openai");
        assertThat(models(STRANGER)).contains("m-openai").noneMatch(m -> m.startsWith("agent/"));
        assertThat(models(OTHER_TEAM)).noneMatch(m -> m.startsWith("agent/"));
        assertThat(models(NARROWED)).filteredOn(m -> m.startsWith("agent/")).containsExactly("agent/claude-helper");
    }

    @Test
    void anEditIsStagingAtOnceAndProductionOnlyWhenPromotedUnderLoad() throws Exception {
        String v1 = version("helper", AgentCatalog.PRODUCTION);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger seq = new AtomicInteger();
        Map<String, String> requestIdByContent = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<Future<?>> load = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) {
                String model = c % 2 == 0 ? "agent/helper" : "agent/helper@staging";
                load.add(clients.submit(() -> {
                    while (running.get()) {
                        String content = "load-" + seq.incrementAndGet();
                        HttpResponse<String> r = openAi(CALLER, "{\"model\":\"" + model + "\",\"variables\":"
                                + "{\"customer\":\"Ada\"},\"messages\":[{\"role\":\"user\",\"content\":\"" + content
                                + "\"}]}");
                        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                        requestIdByContent.put(content, TestGateway.requestId(r));
                    }
                    return null;
                }));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> seq.get() > 40);
            long editedNs = System.nanoTime();
            Files.writeString(dir.resolve("agents/helper/prompt.md"), "PROMPT-TWO You help {{customer}}.\n");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> !version("helper", AgentCatalog.STAGING).equals(v1));
            long followedMs = (System.nanoTime() - editedNs) / 1_000_000;
            String v2 = version("helper", AgentCatalog.STAGING);
            assertThat(version("helper", AgentCatalog.PRODUCTION)).isEqualTo(v1);
            int before = seq.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> seq.get() > before + 40);

            HttpResponse<String> notOwner = admin("POST", "/admin/agents/helper/promote", "{\"version\":\"" + v2
                    + "\",\"to\":\"production\",\"actor\":\"mallory\"}");
            assertThat(notOwner.statusCode()).isEqualTo(403);
            HttpResponse<String> promoted = admin("POST", "/admin/agents/helper/promote", "{\"version\":\"" + v2
                    + "\",\"to\":\"production\",\"actor\":\"ann\"}");
            assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
            assertThat(version("helper", AgentCatalog.PRODUCTION)).isEqualTo(v2);
            int afterPromotion = seq.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> seq.get() > afterPromotion + 40);
            HttpResponse<String> back = admin("POST", "/admin/agents/helper/rollback", "{\"actor\":\"ann\"}");
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            // Rollback takes effect on the next request.
            HttpResponse<String> next = openAi(CALLER, "{\"model\":\"agent/helper\",\"variables\":{\"customer\":"
                    + "\"Ada\"},\"messages\":[{\"role\":\"user\",\"content\":\"after-rollback\"}]}");
            assertThat(gw.awaitEnd(TestGateway.requestId(next)).request().agentVersion()).isEqualTo(v1);
            running.set(false);
            for (Future<?> f : load) {
                f.get(60, TimeUnit.SECONDS);
            }

            // Every request: the version the journal names is the one whose prompt the provider received.
            Map<String, String> markerOf = Map.of(v1, "PROMPT-ONE", v2, "PROMPT-TWO");
            int mismatches = 0;
            int checked = 0;
            Map<String, Integer> byLabelVersion = new HashMap<>();
            Map<String, JournalEntry> entries = new HashMap<>();
            for (JournalEntry e : gw.journal()) {
                entries.put(RequestIds.format(e.requestId()), e);
            }
            for (MockRecord r : gw.upstreamRecords()) {
                JsonNode body = JSON.readTree(r.body());
                String content = body.path("messages").get(1).path("content").asText();
                String id = requestIdByContent.get(content);
                if (id == null) {
                    continue;   // the request after the rollback, checked above
                }
                JournalEntry e = entries.get(id);
                assertThat(e).as(id).isNotNull();
                String system = body.path("messages").get(0).path("content").asText();
                checked++;
                if (!system.startsWith(markerOf.get(e.request().agentVersion()))) {
                    mismatches++;
                }
                byLabelVersion.merge(e.request().agentLabel() + "@" + e.request().agentVersion(), 1, Integer::sum);
            }
            System.out.printf("agents under load: staging served the edited prompt %d ms after the write (reported,"
                    + " not asserted); %d requests from 4 clients checked, %d mismatches between the journal's version"
                    + " and the prompt the provider got; by label@version %s%n", followedMs, checked, mismatches,
                    byLabelVersion);
            assertThat(checked).isEqualTo(requestIdByContent.size());
            assertThat(mismatches).isZero();
            assertThat(byLabelVersion).containsKeys("staging@" + v1, "staging@" + v2, "production@" + v1,
                    "production@" + v2);
            // sluice spend --by agent-version: its totals are the journal's END records, version by version.
            Map<String, long[]> fromJournal = new HashMap<>();
            for (JournalEntry e : gw.journal()) {
                if (e.request().agent() != null && e.isFinished()) {
                    long[] sum = fromJournal.computeIfAbsent(e.request().agent() + "@" + e.request().agentVersion(),
                            k -> new long[2]);
                    sum[0]++;
                    sum[1] += Math.max(0, e.end().costMicros());
                }
            }
            JsonNode spend = SpendSystemTest.spend(gw.dataDir(), "agent-version");
            Map<String, long[]> fromSpend = new HashMap<>();
            for (JsonNode g : spend.path("groups")) {
                fromSpend.put(g.path("key").asText(), new long[] {g.path("requests").asLong(),
                        g.path("cost_micros").asLong()});
            }
            StringBuilder totals = new StringBuilder();
            fromJournal.forEach((k, v) -> totals.append(totals.length() == 0 ? "" : "; ").append(k).append(": ")
                    .append(v[0]).append(" requests, ").append(v[1]).append(" micros in END records, spend says ")
                    .append(fromSpend.containsKey(k) ? fromSpend.get(k)[0] + " requests, " + fromSpend.get(k)[1]
                            + " micros" : "nothing"));
            System.out.println("spend --by agent-version against the journal's END records: " + totals);
            assertThat(fromSpend.keySet()).isEqualTo(fromJournal.keySet());
            fromJournal.forEach((k, v) -> assertThat(fromSpend.get(k)).as(k).containsExactly(v[0], v[1]));
            assertThat(fromJournal.get("helper@" + v2)[1]).as("priced: the totals are not all zero").isPositive();
            assertThat(adminRecords()).contains("agents.promote denied admin as mallory",
                    "agents.promote ok admin as ann", "agents.rollback ok admin as ann");
        } finally {
            running.set(false);
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void reviewNeedsASecondOwnerAndAGateMaySayNo() throws Exception {
        gw.gateway().agentAdmin().gate("eval-x", (v, label) -> v.prompt().contains("WORSE")
                ? "score 0.41 is below the 0.80 the gate asks" : null);
        String v1 = version("reviewed", AgentCatalog.PRODUCTION);
        Files.writeString(dir.resolve("agents/reviewed/prompt.md"), "REVIEWED-TWO\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !version("reviewed", AgentCatalog.STAGING).equals(v1));
        String v2 = version("reviewed", AgentCatalog.STAGING);

        HttpResponse<String> noToken = adminWith(null, "POST", "/admin/agents/reviewed/promote",
                "{\"version\":\"" + v2 + "\",\"actor\":\"alice\"}");
        assertThat(noToken.statusCode()).isEqualTo(401);
        HttpResponse<String> asked = admin("POST", "/admin/agents/reviewed/promote", "{\"version\":\"" + v2
                + "\",\"actor\":\"alice\"}");
        assertThat(asked.statusCode()).as(asked.body()).isEqualTo(202);
        String request = JSON.readTree(asked.body()).path("request").asText();
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).as("not promoted before approval").isEqualTo(v1);
        HttpResponse<String> self = admin("POST", "/admin/agents/_approvals/" + request, "{\"actor\":\"alice\"}");
        assertThat(self.statusCode()).isEqualTo(403);
        assertThat(self.body()).contains("second_owner_required");
        HttpResponse<String> approved = admin("POST", "/admin/agents/_approvals/" + request, "{\"actor\":\"bob\"}");
        assertThat(approved.statusCode()).as(approved.body()).isEqualTo(200);
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v2);

        Files.writeString(dir.resolve("agents/reviewed/prompt.md"), "REVIEWED-THREE, WORSE\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !version("reviewed", AgentCatalog.STAGING).equals(v2));
        HttpResponse<String> gated = admin("POST", "/admin/agents/reviewed/promote", "{\"version\":\"staging\","
                + "\"actor\":\"bob\"}");
        assertThat(gated.statusCode()).isEqualTo(409);
        assertThat(gated.body()).contains("gate_refused").contains("score 0.41");
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v2);

        // An edit of the files cannot make its author an owner, nor drop the review its own promotion needs: owners
        // and review are production's.
        Files.writeString(dir.resolve("agents/reviewed/agent.yaml"), "owners: [alice, bob, mallory]\nmodel: m-openai\n");
        Files.writeString(dir.resolve("agents/reviewed/prompt.md"), "REVIEWED-FOUR\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            AgentVersion files = gw.gateway().config().agents().agent("reviewed").files();
            return files.prompt().equals("REVIEWED-FOUR\n") && files.settings().owners().contains("mallory");
        });
        HttpResponse<String> selfMade = admin("POST", "/admin/agents/reviewed/promote", "{\"version\":\"staging\","
                + "\"actor\":\"mallory\"}");
        assertThat(selfMade.statusCode()).as(selfMade.body()).isEqualTo(403);
        HttpResponse<String> stillReviewed = admin("POST", "/admin/agents/reviewed/promote",
                "{\"version\":\"staging\",\"actor\":\"alice\"}");
        assertThat(stillReviewed.statusCode()).as(stillReviewed.body()).isEqualTo(202);
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v2);

        assertThat(adminRecords()).contains("agents.promote ok admin as alice", "agents.approve denied admin as alice",
                "agents.approve ok admin as bob", "agents.promote denied admin as bob",
                "agents.promote denied admin as mallory");
        // A restart serves production from the version store, whatever the files say now.
        String stored = version("reviewed", AgentCatalog.PRODUCTION);
        reloader.close();
        reloader = null;
        gw.gateway().close();
        try (TestGateway again = TestGateway.startFrom(dir.resolve("sluice.yaml"), null)) {
            assertThat(again.gateway().config().agents().agent("reviewed").labelled(AgentCatalog.PRODUCTION)
                    .version()).isEqualTo(stored);
        }
    }

    @Test
    void anAgentIsAnAdmissionScopeWithItsOwnLimitsAndBudget() throws Exception {
        String body = "{\"model\":\"agent/%s\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        List<Integer> limited = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            limited.add(openAi(CALLER, String.format(body, "limited")).statusCode());
        }
        assertThat(limited).containsExactly(200, 200, 429);
        HttpResponse<String> refused = openAi(CALLER, String.format(body, "limited"));
        assertThat(refused.body()).contains("rate_limit_exceeded").contains("agent 'limited'");
        assertThat(refused.headers().firstValue("retry-after")).isPresent();

        // Spending is reserved and settled against the agent's budget: refused before it could be overshot.
        List<HttpResponse<String>> spent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            spent.add(openAi(CALLER, String.format(body, "budgeted")));
        }
        assertThat(spent).extracting(HttpResponse::statusCode).contains(200, 429).startsWith(200);
        assertThat(spent).filteredOn(r -> r.statusCode() == 429).allSatisfy(r ->
                assertThat(r.body()).contains("budget_exceeded").contains("agent 'budgeted'"));
        long cost = 0;
        for (HttpResponse<String> r : spent) {
            if (r.statusCode() == 200) {
                cost += gw.awaitEnd(TestGateway.requestId(r)).end().costMicros();
            }
        }
        assertThat(cost).as("settled spend stays within the hard budget").isLessThanOrEqualTo(40);
        // The journal is the ledger: a restarted gateway carries the agent's spend on.
        reloader.close();
        reloader = null;
        gw.gateway().close();
        try (TestGateway again = TestGateway.startFrom(dir.resolve("sluice.yaml"), null)) {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(again.baseUrl() + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + CALLER)
                    .POST(HttpRequest.BodyPublishers.ofString(String.format(body, "budgeted")));
            HttpResponse<String> after = send(b.build());
            assertThat(after.statusCode()).as(after.body()).isEqualTo(429);
            assertThat(after.body()).contains("budget_exceeded");
        }
    }

    @Test
    void theCommandLineListsShowsDiffsRendersPromotesAndRollsBack() throws Exception {
        String v1 = version("helper", AgentCatalog.PRODUCTION);
        Files.writeString(dir.resolve("agents/helper/prompt.md"), "PROMPT-TWO You help {{customer}}.\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !version("helper", AgentCatalog.STAGING).equals(v1));
        String v2 = version("helper", AgentCatalog.STAGING);

        assertThat(cli(0, "list")).contains("helper").contains(v1).contains(v2).contains("claude-helper");
        assertThat(cli(0, "show", "helper")).contains("owners:      ann").contains("variables:   customer")
                .contains("capture:     (the journal's setting)")
                .contains(v1 + "   m-openai");
        assertThat(cli(0, "diff", "helper", "production", "staging")).contains("-PROMPT-ONE You help {{customer}}.")
                .contains("+PROMPT-TWO You help {{customer}}.").contains("+++ " + v2 + "/prompt.md");
        assertThat(cli(0, "render", "helper", "--version", "staging", "--var", "customer=Ada"))
                .contains("PROMPT-TWO You help Ada.").contains("FAQ-MARKER").contains("model m-openai");
        assertThat(cli(1, "render", "helper")).contains("missing_variable");
        assertThat(cli(1, "promote", "helper", v2, "--as", "mallory")).contains("not_an_owner");
        assertThat(cli(0, "promote", "helper", v2, "--as", "ann")).contains("production " + v1 + " -> " + v2);
        assertThat(cli(0, "history", "helper")).contains("promote").contains("initial");
        assertThat(cli(0, "rollback", "helper", "--as", "ann")).contains("production " + v2 + " -> " + v1);
        JsonNode listed = JSON.readTree(cli(0, "list", "--json"));
        assertThat(listed.get(listed.size() - 1).path("name").asText()).isEqualTo("reviewed");
        gw.gateway().agentAdmin().gate("eval-x", (v, label) -> null);
        // A promotion to where the label already points is no move: it would make a rollback undo nothing.
        assertThat(cli(1, "promote", "reviewed", "staging", "--as", "alice")).contains("already_there");
        String reviewed = version("reviewed", AgentCatalog.PRODUCTION);
        Files.writeString(dir.resolve("agents/reviewed/prompt.md"), "REVIEWED-THREE\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !version("reviewed", AgentCatalog.STAGING)
                .equals(reviewed));
        assertThat(cli(0, "promote", "reviewed", "staging", "--as", "alice")).contains("waiting for approval: pr-");
        String request = JSON.readTree(cli(0, "show", "reviewed", "--json")).path("pending").get(0)
                .path("request").asText();
        assertThat(cli(0, "approve", request, "--as", "bob")).contains("reviewed: production");
    }

    /**
     * With owners' own tokens ({@code admin.owners}): the admin token no longer acts for an owner, an owner's token
     * acts as that owner only and reaches nothing but the agents, a non-owner's token moves nothing, and review
     * needs a second owner's own token. Each refusal and move is an ADMIN record naming the token's owner.
     */
    @Test
    void ownersWithTokensOfTheirOwnMoveLabelsAsThemselvesOnly() throws Exception {
        String alice = "sk-owner-alice-canary-1";
        String bob = "sk-owner-bob-canary-22";
        String carol = "sk-owner-carol-canary-3";
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, Files.readString(conf).replace("admin: {token: " + ADMIN_TOKEN + "}", "admin: {token: "
                + ADMIN_TOKEN + ", owners: {alice: {token: " + alice + "}, bob: {token: " + bob + "}, carol: "
                + "{token_hash: \"sha256:" + KeyDigester.sha256Hex(carol) + "\"}}}"));
        await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway().config().ownerTokensDeclared());
        gw.gateway().agentAdmin().gate("eval-x", (v, label) -> null);
        String v1 = version("reviewed", AgentCatalog.PRODUCTION);
        Files.writeString(dir.resolve("agents/reviewed/prompt.md"), "REVIEWED-TWO\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> !version("reviewed", AgentCatalog.STAGING).equals(v1));
        String v2 = version("reviewed", AgentCatalog.STAGING);
        String promote = "/admin/agents/reviewed/promote";
        String body = "{\"version\":\"" + v2 + "\",\"to\":\"production\"";

        HttpResponse<String> r = adminWith(ADMIN_TOKEN, "POST", promote, body + ",\"actor\":\"alice\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("owner_token_required");
        r = adminWith(alice, "POST", promote, body + ",\"actor\":\"bob\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("not_yourself");
        r = adminWith(carol, "POST", promote, body + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("not_an_owner");
        for (String path : List.of("/admin/keys", "/admin/requests", "/admin/config", "/admin/routes")) {
            assertThat(adminWith(alice, "GET", path, null).statusCode()).as(path).isEqualTo(403);
        }
        assertThat(adminWith(alice, "GET", "/admin/agents/reviewed", null).statusCode()).isEqualTo(200);

        r = adminWith(alice, "POST", promote, body + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        String request = JSON.readTree(r.body()).path("request").asText();
        r = adminWith(alice, "POST", "/admin/agents/_approvals/" + request, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(r.body()).contains("second_owner_required");
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v1);
        // Bob approves with the command line and his own token, naming no one.
        assertThat(cliWith(bob, 0, "approve", request)).contains("reviewed: production " + v1 + " -> " + v2);
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v2);
        assertThat(cliWith(bob, 0, "rollback", "reviewed")).contains("production " + v2 + " -> " + v1);
        assertThat(version("reviewed", AgentCatalog.PRODUCTION)).isEqualTo(v1);
        assertThat(adminRecords()).contains("agents.promote denied admin as alice",
                "agents.promote denied owner:alice as bob", "agents.promote denied owner:carol",
                "agents.promote ok owner:alice", "agents.approve denied owner:alice", "agents.approve ok owner:bob",
                "agents.rollback ok owner:bob");
    }

    /** Runs {@code sluice agents ARGS} against the gateway's admin API; returns its output and error text. */
    private String cli(int expectedExit, String... args) {
        return cliWith(ADMIN_TOKEN, expectedExit, args);
    }

    /** Runs {@code sluice agents ARGS} with admin token {@code token}; returns its output and error text. */
    private String cliWith(String token, int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new AgentsCommand());
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(out));
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--admin-url=http://127.0.0.1:" + gw.gateway().adminPort());
        all.add(2, "--admin-token=" + token);
        int rc = cmd.execute(all.toArray(new String[0]));
        assertThat(rc).as(String.join(" ", args) + ": " + out).isEqualTo(expectedExit);
        return out.toString();
    }

    private String version(String agent, String label) {
        return gw.gateway().config().agents().agent(agent).labelled(label).version();
    }

    /** The journal's agent admin records as "action outcome actor". */
    private List<String> adminRecords() {
        List<String> out = new ArrayList<>();
        try (JournalReader r = JournalReader.open(gw.gateway().journalDir())) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onAdmin(AdminRecord a) {
                    if (a.action().startsWith("agents.")) {
                        out.add(a.action() + " " + a.outcome().wireName() + " " + a.actor());
                    }
                }
            }, 1000) > 0) {
                // read on
            }
        }
        return out;
    }

    private List<String> models(String key) throws IOException {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/models"))
                .header("Authorization", "Bearer " + key).GET().build());
        assertThat(r.statusCode()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        JSON.readTree(r.body()).path("data").forEach(m -> ids.add(m.path("id").asText()));
        return ids;
    }

    private HttpResponse<String> openAi(String key, String body) {
        return post("/v1/chat/completions", key, body, false);
    }

    private HttpResponse<String> anthropic(String key, String body) {
        return post("/v1/messages", key, body, true);
    }

    private HttpResponse<String> post(String path, String key, String body, boolean anthropic) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (anthropic) {
            b.header("x-api-key", key).header("anthropic-version", "2023-06-01");
        } else {
            b.header("Authorization", "Bearer " + key);
        }
        return send(b.build());
    }

    private HttpResponse<String> admin(String method, String path, String body) {
        return adminWith(ADMIN_TOKEN, method, path, body);
    }

    private HttpResponse<String> adminWith(String token, String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway().adminPort()
                + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b.build());
    }

    private HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
