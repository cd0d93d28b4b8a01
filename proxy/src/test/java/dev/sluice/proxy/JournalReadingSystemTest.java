package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.cli.JournalCommand;
import dev.sluice.proxy.cli.SluiceCommand;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.List;

/**
 * Reading the journal of record: the admin API serves one request's content to admin tokens only (a team admin
 * token its own team's requests) and journals every read; {@code journal search} and {@code journal export} find and
 * stream requests; three gateway processes' journals read as one by {@code tail}, {@code search}, {@code spend} and
 * {@code verify}.
 */
@Timeout(300)
class JournalReadingSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private AdminFixture fx;
    private final List<TestGateway> gateways = new ArrayList<>();
    private final List<ChildGateway> children = new ArrayList<>();
    private Path cluster;

    @AfterEach
    void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
        for (TestGateway g : gateways) {
            g.close();
        }
        for (ChildGateway c : children) {
            c.close();
        }
        if (cluster != null) {
            TempDirs.deleteRecursively(cluster);
        }
    }

    private static HttpResponse<String> chat(int port, String secret, String model, String text) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"messages\":[{\"role\":"
                        + "\"user\",\"content\":\"" + text + "\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new JournalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute(args);
        assertThat(exit).as("journal %s: %s", String.join(" ", args), err).isZero();
        return out.toString();
    }

    @Test
    void shouldServeContentToAdminTokensOnlyAndJournalEveryRead() throws Exception {
        fx = AdminFixture.of(TestGateway.startWith(AdminFixture.config(true) + "journal: {capture: full}\n"));
        HttpResponse<String> alpha = chat(fx.gw.port(), AdminFixture.CONF_ALPHA_SECRET, "m1", "alpha asks about tides");
        HttpResponse<String> beta = chat(fx.gw.port(), AdminFixture.CONF_BETA_SECRET, "m3", "beta asks about comets");
        assertThat(alpha.statusCode()).isEqualTo(200);
        assertThat(beta.statusCode()).isEqualTo(200);
        String alphaId = TestGateway.requestId(alpha);
        String betaId = TestGateway.requestId(beta);
        fx.gw.awaitEnd(alphaId);
        fx.gw.awaitEnd(betaId);

        HttpResponse<String> read = fx.admin("GET", "/admin/requests/" + alphaId, AdminFixture.ADMIN_TOKEN, null);
        assertThat(read.statusCode()).isEqualTo(200);
        JsonNode shown = JSON.readTree(read.body());
        assertThat(shown.at("/request/messages/0/content").asText()).isEqualTo("alpha asks about tides");
        assertThat(shown.at("/response/text").asText())
                .isEqualTo(JSON.readTree(alpha.body()).at("/choices/0/message/content").asText());
        assertThat(shown.get("team").asText()).isEqualTo("alpha");

        // A team admin token reads its own team's requests, and another team's not at all.
        assertThat(fx.admin("GET", "/admin/requests/" + alphaId, AdminFixture.ALPHA_TOKEN, null).statusCode())
                .isEqualTo(200);
        HttpResponse<String> other = fx.admin("GET", "/admin/requests/" + betaId, AdminFixture.ALPHA_TOKEN, null);
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(other.body()).doesNotContain("comets");
        assertThat(fx.admin("GET", "/admin/requests/" + alphaId, null, null).statusCode()).isEqualTo(401);
        assertThat(fx.admin("GET", "/admin/requests/" + alphaId, "wrong-token", null).statusCode()).isEqualTo(401);
        assertThat(fx.admin("GET", "/admin/requests/req_12", AdminFixture.ADMIN_TOKEN, null).statusCode())
                .isEqualTo(400);

        // Search: the team admin sees its team's requests only, whatever it asks for.
        HttpResponse<String> all = fx.admin("GET", "/admin/requests?limit=50", AdminFixture.ADMIN_TOKEN, null);
        assertThat(JSON.readTree(all.body()).get("requests")).hasSize(2);
        HttpResponse<String> mine = fx.admin("GET", "/admin/requests?team=beta", AdminFixture.ALPHA_TOKEN, null);
        JsonNode mineList = JSON.readTree(mine.body()).get("requests");
        assertThat(mineList).hasSize(1);
        assertThat(mineList.get(0).get("team").asText()).isEqualTo("alpha");
        HttpResponse<String> byText = fx.admin("GET", "/admin/requests?text=COMETS", AdminFixture.ADMIN_TOKEN, null);
        JsonNode found = JSON.readTree(byText.body()).get("requests");
        assertThat(found).hasSize(1);
        assertThat(found.get(0).get("request_id").asText()).isEqualTo(betaId);

        // Every read and search is in the audit trail, with who read which request.
        assertThat(fx.audit).contains("admin requests.read " + alphaId + " ok", "team:alpha requests.read " + alphaId
                + " ok", "team:alpha requests.read " + betaId + " not_found");
        assertThat(fx.audit).filteredOn(a -> a.contains("requests.search")).hasSize(3);
    }

    @Test
    void shouldStreamFinishedRequestsToAFollowerOfItsTeamOnly() throws Exception {
        fx = AdminFixture.start();
        String before = TestGateway.requestId(chat(fx.gw.port(), AdminFixture.CONF_ALPHA_SECRET, "m1", "before"));
        String otherBefore = TestGateway.requestId(chat(fx.gw.port(), AdminFixture.CONF_BETA_SECRET, "m3", "x"));
        fx.gw.awaitEnd(before);
        fx.gw.awaitEnd(otherBefore);
        try (Socket s = new Socket("127.0.0.1", fx.gw.gateway().adminPort())) {
            s.setSoTimeout(20_000);
            // A team admin follows every team's requests: it is given its own team's only.
            s.getOutputStream().write(("GET /admin/requests?follow=1&team=beta&limit=10 HTTP/1.1\r\nHost: x\r\n"
                    + "Authorization: Bearer " + AdminFixture.ALPHA_TOKEN + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            String line;
            boolean eventStream = false;
            while (!(line = in.readLine()).isEmpty()) {
                eventStream |= line.equalsIgnoreCase("content-type: text/event-stream; charset=utf-8");
            }
            assertThat(eventStream).as("content type").isTrue();
            assertThat(nextEvent(in)).isEqualTo(before); // the backlog: the latest of its team
            List<String> alphaIds = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                chat(fx.gw.port(), AdminFixture.CONF_BETA_SECRET, "m3", "not for alpha " + i);
                alphaIds.add(TestGateway.requestId(chat(fx.gw.port(), AdminFixture.CONF_ALPHA_SECRET, "m1",
                        "for alpha " + i)));
            }
            List<String> followed = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                followed.add(nextEvent(in));
            }
            assertThat(followed).isEqualTo(alphaIds);
            // A request pipelined behind the stream would write into it: the connection is closed instead.
            s.getOutputStream().write(("GET /admin/keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + AdminFixture.ALPHA_TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String rest;
            while ((rest = in.readLine()) != null) {
                assertThat(rest).doesNotStartWith("HTTP/1.1");
            }
        }
        // Text is searched over the files, not followed.
        assertThat(fx.admin("GET", "/admin/requests?follow=1&text=tides", AdminFixture.ADMIN_TOKEN, null).statusCode())
                .isEqualTo(400);
        // One audit record for the whole stream.
        assertThat(fx.audit).filteredOn(a -> a.contains("requests.follow")).containsExactly(
                "team:alpha requests.follow null ok");
        System.out.printf("followed: backlog 1 request, then 3 of 6 as they finished (team alpha's), 1 audit"
                + " record%n");
    }

    /** The request id of the stream's next event (skipping chunk sizes and comments). */
    private static String nextEvent(BufferedReader in) throws Exception {
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                JsonNode e = JSON.readTree(line.substring(6));
                assertThat(e.get("team").asText()).isEqualTo("alpha");
                return e.get("request_id").asText();
            }
        }
        throw new AssertionError("the stream ended");
    }

    @Test
    void shouldSearchAndExportTheJournal() throws Exception {
        TestGateway gw = TestGateway.start();
        gateways.add(gw);
        for (int i = 0; i < 12; i++) {
            HttpResponse<String> r = gw.chat(i % 3 == 0 ? "demo-claude" : "demo", "question " + i
                    + (i == 7 ? " about the lighthouse" : ""));
            assertThat(r.statusCode()).isEqualTo(200);
            gw.awaitEnd(TestGateway.requestId(r));
        }
        String data = gw.dataDir().toString();
        String lighthouse = run("search", "--text", "LightHouse", "--json", "--data-dir", data);
        assertThat(lighthouse.strip().lines()).hasSize(1);
        assertThat(JSON.readTree(lighthouse).get("outcome").asText()).isEqualTo("ok");
        assertThat(run("search", "--model", "demo-claude", "--json", "--data-dir", data).strip().lines()).hasSize(4);
        assertThat(run("search", "--outcome", "rejected", "--json", "--data-dir", data).strip()).isEmpty();

        String jsonl = run("export", "--format", "jsonl", "--bodies", "--data-dir", data);
        List<String> lines = jsonl.strip().lines().toList();
        assertThat(lines).hasSize(12);
        JsonNode seventh = JSON.readTree(lines.get(7));
        assertThat(seventh.at("/request/messages/0/content").asText()).isEqualTo("question 7 about the lighthouse");
        assertThat(seventh.at("/response/text").asText()).isNotEmpty();
        String csv = run("export", "--format", "csv", "--data-dir", data);
        assertThat(csv.strip().lines()).hasSize(13).first().asString().startsWith("request_id,time,key_id");
    }

    @Test
    void shouldReadThreeGatewayProcessesJournalsAsOne() throws Exception {
        cluster = Files.createTempDirectory("sluice-cluster-");
        int[] sent = {5, 7, 9};
        for (int n = 0; n < 3; n++) {
            children.add(ChildGateway.start(TestGateway.defaultConfig(), cluster.resolve("node-" + n)));
        }
        for (int n = 0; n < 3; n++) {
            for (int i = 0; i < sent[n]; i++) {
                HttpResponse<String> r = chat(children.get(n).port(), TestGateway.DEMO_KEY, "demo",
                        "node " + n + " question " + i);
                assertThat(r.statusCode()).isEqualTo(200);
            }
        }
        // Stopped as a service manager stops them (SIGTERM): every END is written, every journal sealed.
        for (ChildGateway child : children) {
            child.close();
            assertThat(child.process().exitValue()).isZero();
        }
        long expectedCost = 0;
        for (int n = 0; n < 3; n++) {
            try (JournalReader r = JournalReader.open(cluster.resolve("node-" + n).resolve("journal"))) {
                for (JournalEntry e : r.last(Integer.MAX_VALUE, 0)) {
                    expectedCost += e.end().costMicros();
                }
            }
        }
        String[] all = {"--data-dir", cluster.toString()};
        assertThat(run(concat(new String[] {"tail", "-n", "100", "--json"}, all)).strip().lines()).hasSize(21);
        assertThat(run("tail", "-n", "100", "--json", "--data-dir", cluster.resolve("node-0").toString(),
                "--data-dir", cluster.resolve("node-2").toString()).strip().lines()).hasSize(14);
        assertThat(run(concat(new String[] {"search", "--text", "node 1 question", "--json"}, all)).strip().lines())
                .hasSize(7);
        StringWriter spendOut = new StringWriter();
        int exit = new CommandLine(new SluiceCommand()).setOut(new PrintWriter(spendOut)).execute("spend", "--by",
                "key", "--json", "--since", "1d", "--data-dir", cluster.toString());
        assertThat(exit).isZero();
        JsonNode spend = JSON.readTree(spendOut.toString());
        assertThat(spend.at("/total/requests").asLong()).isEqualTo(21);
        assertThat(spend.at("/total/cost_micros").asLong()).isEqualTo(expectedCost).isPositive();
        // Each gateway signed its own journal with its own key: verify reads them as one and checks each.
        String verified = run(concat(new String[] {"verify"}, all));
        assertThat(verified.strip()).startsWith("OK: ").doesNotContain("not signed yet");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
