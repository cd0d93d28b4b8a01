package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.journal.RequestIds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Three gateway processes sharing one Redis (started by the test): budgets and rate limits hold across them
 * (RELIABILITY.md B6 with several instances; a shared 60 requests/minute admits 60, not 180), a key's and an
 * agent's, a key revoked through one node is refused by the others on the very next request, an agent's labels
 * and versions are the same on every node, and losing Redis fails closed.
 */
@Timeout(600)
class ClusterSystemTest {
    static final String ADMIN_TOKEN = "sluice-admin-canary-3b9d71e0c4";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ExecutorService httpThreads = Executors.newFixedThreadPool(8);
    private final HttpClient http = HttpClient.newBuilder().executor(httpThreads).build();
    private final List<ChildGateway> nodes = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();
    private Process redis;
    private int redisPort;
    @TempDir
    Path dir;

    @BeforeEach
    void startRedis() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            redisPort = s.getLocalPort();
        }
        redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> redisPing().equals("+PONG"));
    }

    @AfterEach
    void stop() {
        try {
            for (ChildGateway n : nodes) {
                n.close();
            }
        } finally {
            if (redis != null) {
                ChildProcesses.stop(redis, ChildProcesses.GRACE_MS);
            }
            httpThreads.shutdownNow();
        }
    }

    private String redisPing() throws IOException {
        try (Socket s = new Socket("127.0.0.1", redisPort)) {
            s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] b = new byte[7];
            int n = s.getInputStream().read(b);
            return new String(b, 0, Math.max(0, n - 2), StandardCharsets.US_ASCII);
        }
    }

    private void startNodes(String keys) throws Exception {
        writeConfig(keys);
        for (int i = 0; i < 3; i++) {
            startNode();
        }
    }

    private void writeConfig(String keys) throws IOException {
        Files.writeString(dir.resolve("sluice.yaml"), GovernanceSystemTest.config(keys, "admin: {token: " + ADMIN_TOKEN
                + "}\nredis: {uri: \"redis://127.0.0.1:" + redisPort + "\", on_failure: closed}\n"));
    }

    /** Starts one more gateway on the configuration file, with a data directory of its own. */
    private ChildGateway startNode() throws IOException {
        Path data = dir.resolve("data-" + nodes.size());
        dataDirs.add(data);
        ChildGateway n = ChildGateway.start(dir.resolve("sluice.yaml"), data, "--no-watch");
        nodes.add(n);
        return n;
    }

    private HttpResponse<String> admin(ChildGateway node, String path, String postBody) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort() + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + ADMIN_TOKEN);
        return http.send(postBody == null ? b.build() : b.POST(HttpRequest.BodyPublishers.ofString(postBody)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String label(ChildGateway node, String agent, String label) throws Exception {
        HttpResponse<String> r = admin(node, "/admin/agents/" + agent, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body()).path("labels").path(label).asText();
    }

    /** Calls agent helper through gateway {@code i}; returns the version its journal says served the request. */
    private String servedVersion(int i, String secret) throws Exception {
        HttpResponse<String> r = chat(nodes.get(i), secret, "{\"model\":\"agent/helper\",\"max_tokens\":10,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}").get();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String id = TestGateway.requestId(r);
        String[] version = new String[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            try (JournalReader reader = JournalReader.open(dataDirs.get(i).resolve("journal"))) {
                for (JournalEntry e : reader.last(Integer.MAX_VALUE, 0)) {
                    if (RequestIds.format(e.requestId()).equals(id)) {
                        version[0] = e.request().agentVersion();
                        return true;
                    }
                }
            }
            return false;
        });
        return version[0];
    }

    private CompletableFuture<HttpResponse<String>> chat(ChildGateway node, String secret, String body) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port()
                        + "/v1/chat/completions")).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Cost of the finished requests of all three gateways, summed by what {@code group} says of each. */
    private Map<String, Long> spentBy(Function<JournalEntry, String> group) {
        Map<String, Long> spent = new HashMap<>();
        for (Path d : dataDirs) {
            try (JournalReader r = JournalReader.open(d.resolve("journal"))) {
                for (JournalEntry e : r.last(Integer.MAX_VALUE, 0)) {
                    String g = group.apply(e);
                    if (e.isFinished() && e.end().costMicros() > 0 && g != null) {
                        spent.merge(g, e.end().costMicros(), Long::sum);
                    }
                }
            }
        }
        return spent;
    }

    /** The dearest finished request of all three gateways: what one request may cost beyond a budget. */
    private long dearestRequest() {
        long dearest = 0;
        for (Path d : dataDirs) {
            try (JournalReader r = JournalReader.open(d.resolve("journal"))) {
                for (JournalEntry e : r.last(Integer.MAX_VALUE, 0)) {
                    if (e.isFinished()) {
                        dearest = Math.max(dearest, e.end().costMicros());
                    }
                }
            }
        }
        return dearest;
    }

    /**
     * Runs {@code trials} trials of 64 concurrent requests spread over the three gateways, trial {@code t} with
     * secret {@code secret.apply(t)} and model {@code model.apply(t)}; every answer is 200 or 429. Returns how many
     * were admitted.
     */
    private int budgetTrials(int trials, IntFunction<String> secret, IntFunction<String> model) throws Exception {
        int admitted = 0;
        for (int t = 0; t < trials; t++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                calls.add(chat(nodes.get(i % 3), secret.apply(t),
                        GovernanceSystemTest.body(model.apply(t), 100, "[[mock tokens=100]]")));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get();
                if (r.statusCode() == 200) {
                    admitted++;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                }
            }
        }
        return admitted;
    }

    /** The most any of {@code trials} groups ({@code name.apply(t)}) spent beyond {@code budget}, at least 0. */
    private static long worstOvershoot(Map<String, Long> spent, int trials, IntFunction<String> name, long budget) {
        long worst = 0;
        for (int t = 0; t < trials; t++) {
            worst = Math.max(worst, spent.getOrDefault(name.apply(t), 0L) - budget);
        }
        return worst;
    }

    @Test
    void shouldHoldABudgetAcrossThreeGatewaysUnder64ConcurrentRequests() throws Exception {
        int trials = Integer.getInteger("sluice.b6.cluster.trials", 1000);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < trials; i++) {
            keys.append(GovernanceSystemTest.keyLine("b6-" + i, "sk-b6-secret-" + i,
                    "budget: {period: day, hard: 0.0034}"));
        }
        startNodes(keys.toString());
        long t0 = System.nanoTime();
        int admitted = budgetTrials(trials, t -> "sk-b6-secret-" + t, t -> "demo");
        long worst = worstOvershoot(spentBy(e -> e.request().keyId()), trials, t -> "b6-" + t, 3_400);
        long reservation = dearestRequest();
        System.out.printf("B6 three gateways, one Redis: %d trials x 64 concurrent requests spread over the 3 "
                        + "(worst case 4 budgets each): %d admitted (%.1f per trial), max overshoot %d micros (one "
                        + "request costs up to %d), %.1f s%n", trials, admitted, (double) admitted / trials,
                worst, reservation, (System.nanoTime() - t0) / 1e9);
        assertThat(worst).isLessThanOrEqualTo(reservation);
        assertThat(admitted).isGreaterThanOrEqualTo(trials * 10);
    }

    /**
     * A soft threshold in a cluster: the settle script returns each budget's spend, so the one settle that carried
     * the spend past the threshold, on whichever gateway, raises the alert: one ADMIN record in the three journals,
     * one count in the three gateways' metrics, and the gauge of the budget's spend on every gateway that settled.
     */
    @Test
    void shouldAlertASoftThresholdOnceAcrossThreeGateways() throws Exception {
        String secret = "sk-soft-secret-0001";
        startNodes(GovernanceSystemTest.keyLine("soft-k", secret, "budget: {period: day, soft: 0.002}"));
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            calls.add(chat(nodes.get(i % 3), secret, GovernanceSystemTest.body("demo", 100, "[[mock tokens=100]]")));
        }
        for (CompletableFuture<HttpResponse<String>> c : calls) {
            assertThat(c.get().statusCode()).as("a soft threshold refuses nothing").isEqualTo(200);
        }
        long spent = spentBy(e -> e.request().keyId()).getOrDefault("soft-k", 0L);
        assertThat(spent).as("past the soft threshold").isGreaterThan(2_000);
        // The last settle to reach Redis returned the whole spend to its gateway.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            double most = 0;
            for (ChildGateway n : nodes) {
                most = Math.max(most, metric(n, "sluice_budget_spent{scope=\"key:soft-k\",period=\"day\"}"));
            }
            return Math.round(most * 1e6) == spent;
        });
        long alerts = 0;
        int exceeded = 0;
        for (ChildGateway n : nodes) {
            alerts += Math.round(metric(n, "sluice_budget_soft_alerts_total"));
            exceeded += (int) metric(n, "sluice_budget_soft_exceeded{scope=\"key:soft-k\",period=\"day\"}");
        }
        List<String> records = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            records.clear();
            for (Path d : dataDirs) {
                try (JournalReader r = JournalReader.open(d.resolve("journal"))) {
                    while (r.poll(new RecordVisitor() {
                        @Override
                        public void onAdmin(AdminRecord a) {
                            if (a.action().equals("budget.soft_threshold")) {
                                records.add(a.target() + ": " + a.detail());
                            }
                        }
                    }, 1000) > 0) {
                        // read on
                    }
                }
            }
            return !records.isEmpty();
        });
        System.out.printf("soft threshold over three gateways, one Redis: 30 requests, %d micros spent (soft 2000): "
                + "%d alert(s) in the gateways' metrics, ADMIN records %s, soft_exceeded on %d of 3 gateways%n",
                spent, alerts, records, exceeded);
        assertThat(alerts).isEqualTo(1);
        assertThat(records).hasSize(1);
        assertThat(records.get(0)).startsWith("key:soft-k: spent ").contains("of soft 0.002 this day");
        assertThat(exceeded).isGreaterThanOrEqualTo(1);
    }

    /** The value of the one sample of {@code /metrics} that starts with {@code series} and a space, or 0. */
    private double metric(ChildGateway node, String series) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.adminPort()
                + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        for (String line : r.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    /**
     * The same race on an agent's budget: trial t's key has no budget of its own and may call only agent ag-t, whose
     * {@code agent.yaml} caps its spending; the three gateways share that budget through Redis. An agent's budget is
     * one more scope through the same reservation script as a key's (the 1,000 trials of B6 are the key's race
     * above), so this variant runs 250 trials by default ({@code -Dsluice.b6.agent.trials}).
     */
    @Test
    void shouldHoldAnAgentBudgetAcrossThreeGatewaysUnder64ConcurrentRequests() throws Exception {
        int trials = Integer.getInteger("sluice.b6.agent.trials", 250);
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < trials; i++) {
            Path agent = Files.createDirectories(dir.resolve("agents").resolve("ag-" + i));
            Files.writeString(agent.resolve("agent.yaml"), "owners: [ann]\nmodel: demo\n"
                    + "budget: {period: day, hard: 0.0034}\n");
            Files.writeString(agent.resolve("prompt.md"), "Answer in one line.\n");
            keys.append(GovernanceSystemTest.keyLine("ag-key-" + i, "sk-ag-secret-" + i, "agents: [ag-" + i + "]"));
        }
        startNodes(keys.toString());
        long t0 = System.nanoTime();
        int admitted = budgetTrials(trials, t -> "sk-ag-secret-" + t, t -> "agent/ag-" + t);
        Map<String, Long> byAgent = spentBy(e -> e.request().agent());
        long worst = worstOvershoot(byAgent, trials, t -> "ag-" + t, 3_400);
        long reservation = dearestRequest();
        System.out.printf("agent budget, three gateways, one Redis: %d trials x 64 concurrent requests of one key to "
                        + "its agent, spread over the 3 (worst case 4 budgets each): %d admitted (%.1f per trial), "
                        + "max overshoot %d micros (one request costs up to %d), %.1f s%n", trials, admitted,
                (double) admitted / trials, worst, reservation, (System.nanoTime() - t0) / 1e9);
        assertThat(byAgent).as("every admitted request's record names its agent").hasSize(trials);
        assertThat(worst).isLessThanOrEqualTo(reservation);
        assertThat(admitted).isGreaterThanOrEqualTo(trials * 10);
    }

    /**
     * An agent's labels and versions are the cluster's, not a gateway's: production is one version on every gateway,
     * also on one that never had its files; a promotion through one gateway and a rollback through another are
     * served by all three.
     */
    @Test
    void shouldServeOneAgentVersionPerLabelOnEveryGateway() throws Exception {
        Path agent = Files.createDirectories(dir.resolve("agents").resolve("helper"));
        Files.writeString(agent.resolve("agent.yaml"), "owners: [ann, bob]\nmodel: demo\n");
        Files.writeString(agent.resolve("prompt.md"), "PROMPT-A\n");
        writeConfig(GovernanceSystemTest.keyLine("caller", "sk-cluster-agents-01", "agents: [helper]"));
        startNode();
        String a = label(nodes.get(0), "helper", "production");
        // The files change; the two gateways started now load them as staging, and serve the cluster's production.
        Files.writeString(agent.resolve("prompt.md"), "PROMPT-B\n");
        startNode();
        startNode();
        String b = label(nodes.get(1), "helper", "staging");
        assertThat(b).isNotEqualTo(a);
        for (int i = 0; i < 3; i++) {
            assertThat(label(nodes.get(i), "helper", "production")).as("node %d", i).isEqualTo(a);
            assertThat(servedVersion(i, "sk-cluster-agents-01")).as("node %d", i).isEqualTo(a);
        }

        // Promoted through node 1: nodes 0 and 2 serve it too; node 0 never had its files.
        HttpResponse<String> promote = admin(nodes.get(1), "/admin/agents/helper/promote",
                "{\"version\":\"" + b + "\",\"to\":\"production\",\"actor\":\"ann\"}");
        assertThat(promote.statusCode()).as(promote.body()).isEqualTo(200);
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            ChildGateway n = nodes.get(i);
            await().atMost(Duration.ofSeconds(30)).until(() -> label(n, "helper", "production").equals(b));
        }
        double promotedMs = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < 3; i++) {
            assertThat(servedVersion(i, "sk-cluster-agents-01")).as("node %d", i).isEqualTo(b);
        }
        assertThat(dataDirs.get(0).resolve("agents/helper/versions").resolve(b).resolve("prompt.md"))
                .as("copied from the shared store, checked against its hash").hasContent("PROMPT-B\n");

        // Rolled back through node 2: every gateway serves the first version again.
        HttpResponse<String> rollback = admin(nodes.get(2), "/admin/agents/helper/rollback",
                "{\"label\":\"production\",\"actor\":\"bob\"}");
        assertThat(rollback.statusCode()).as(rollback.body()).isEqualTo(200);
        t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            ChildGateway n = nodes.get(i);
            await().atMost(Duration.ofSeconds(30)).until(() -> label(n, "helper", "production").equals(a));
        }
        double rolledBackMs = (System.nanoTime() - t0) / 1e6;
        for (int i = 0; i < 3; i++) {
            assertThat(servedVersion(i, "sk-cluster-agents-01")).as("node %d", i).isEqualTo(a);
        }
        JsonNode history = JSON.readTree(admin(nodes.get(0), "/admin/agents/helper", null).body()).path("history");
        List<String> moves = new ArrayList<>();
        for (JsonNode m : history) {
            moves.add(m.path("action").asText() + " " + m.path("version").asText() + " by " + m.path("actor").asText());
        }
        System.out.printf("agents over 3 gateways, one Redis: production %s on all (node 0 alone had its files), "
                + "promoted to %s through node 1: on all 3 within %.0f ms; rolled back through node 2: on all 3 within "
                + "%.0f ms; history as node 0 reads it: %s%n", a, b, promotedMs, rolledBackMs, moves);
        assertThat(moves).containsExactly("initial " + a + " by gateway", "promote " + b + " by ann",
                "rollback " + a + " by bob");
    }

    @Test
    void shouldShareOneRateLimitRevokeOnEveryNodeAndFailClosedWithoutRedis() throws Exception {
        startNodes(GovernanceSystemTest.keyLine("rpm", "sk-cluster-rpm-0001", "limits: {requests_per_minute: 60}")
                + GovernanceSystemTest.keyLine("rev", "sk-cluster-revoke-01", ""));
        // 300 requests over the three gateways: a shared 60 per minute admits 60, not 180.
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(chat(nodes.get(i % 3), "sk-cluster-rpm-0001", GovernanceSystemTest.body("demo", 10, "")));
            if (i % 6 == 5) {
                for (CompletableFuture<HttpResponse<String>> c : calls.subList(i - 5, i + 1)) {
                    c.get();
                }
            }
        }
        int ok = 0;
        int[] perNode = new int[3];
        for (int i = 0; i < calls.size(); i++) {
            if (calls.get(i).get().statusCode() == 200) {
                ok++;
                perNode[i % 3]++;
            }
        }
        System.out.printf("cluster rate limit 60/min over 3 gateways: %d of 300 admitted (per node %d/%d/%d)%n", ok,
                perNode[0], perNode[1], perNode[2]);
        assertThat(ok).isBetween(59, 61);

        // Revoked through node 0: refused on the very next request by nodes 1 and 2.
        for (ChildGateway n : nodes) {
            assertThat(chat(n, "sk-cluster-revoke-01", GovernanceSystemTest.body("demo", 10, "")).get().statusCode())
                    .isEqualTo(200);
        }
        HttpResponse<String> revoke = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + nodes.get(0).adminPort() + "/admin/keys/rev/revoke")).header("Authorization", "Bearer "
                        + ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);
        int after1 = chat(nodes.get(1), "sk-cluster-revoke-01", GovernanceSystemTest.body("demo", 10, "")).get()
                .statusCode();
        int after2 = chat(nodes.get(2), "sk-cluster-revoke-01", GovernanceSystemTest.body("demo", 10, "")).get()
                .statusCode();
        System.out.printf("revoked through node 0: the next request on node 1 -> %d, on node 2 -> %d%n", after1, after2);
        assertThat(after1).isEqualTo(401);
        assertThat(after2).isEqualTo(401);

        // Redis gone: fail closed, and say so.
        redis.destroyForcibly().waitFor();
        HttpResponse<String> closed = chat(nodes.get(0), "sk-cluster-rpm-0001",
                GovernanceSystemTest.body("demo", 10, "")).get();
        String health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + nodes.get(0).adminPort()
                + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).body();
        System.out.println("without Redis: " + closed.statusCode() + " " + closed.body() + "; health " + health);
        assertThat(closed.statusCode()).isEqualTo(503);
        assertThat(closed.body()).contains("admission_unavailable");
        assertThat(health).contains("redis");
        // F1: no secret in what the gateways printed, in their metrics or admin answers, or in their files.
        for (ChildGateway n : nodes) {
            StringBuilder seen = new StringBuilder(n.output());
            for (String path : List.of("/metrics", "/admin/routes", "/admin/keys", "/admin/config")) {
                seen.append(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.adminPort() + path))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            }
            assertThat(seen.toString()).doesNotContain(ADMIN_TOKEN).doesNotContain("sk-cluster-rpm-0001")
                    .doesNotContain("sk-cluster-revoke-01");
        }
        for (Path d : dataDirs) {
            TestGateway.assertNoCanaryIn(d);
        }
    }
}
