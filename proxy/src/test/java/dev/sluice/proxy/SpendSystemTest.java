package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.cli.SpendCommand;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code sluice spend} over a journal a real gateway wrote for a mixed workload (teams, projects, use cases,
 * models, streaming and not, translated, cancelled and truncated): for every dimension the totals equal the sums
 * of the END records, and the groups add up to the totals.
 */
@Timeout(180)
class SpendSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldReportSpendWhoseTotalsEqualTheJournalEndRecords() throws Exception {
        String keys = GovernanceSystemTest.keyLine("k-alpha", "sk-spend-alpha-0001", "")
                + GovernanceSystemTest.keyLine("k-beta", "sk-spend-beta-00001", "project: beta-default")
                + GovernanceSystemTest.keyLine("k-gamma", "sk-spend-gamma-0001", "").replace("team: t", "team: t2");
        gw = TestGateway.startWith(GovernanceSystemTest.config(keys, "").replace("teams:\n  t: {}\n",
                "teams:\n  t: {}\n  t2: {}\n"));
        String[] secrets = {"sk-spend-alpha-0001", "sk-spend-beta-00001", "sk-spend-gamma-0001"};
        String[] projects = {null, "apollo", "zeus"};
        String[] useCases = {null, "chat", "search"};
        Random rnd = new Random(42);
        int sent = 0;
        for (int i = 0; i < 120; i++) {
            String secret = secrets[rnd.nextInt(3)];
            String project = projects[rnd.nextInt(3)];
            String useCase = useCases[rnd.nextInt(3)];
            boolean stream = rnd.nextBoolean();
            int kind = rnd.nextInt(6);
            String directive = kind == 0 ? "[[mock tokens=30 truncate_after=5]]" : "[[mock tokens=" + (5 + i % 7) + "]]";
            boolean anthropicEndpoint = kind == 1;
            String model = rnd.nextBoolean() ? "demo" : "claude";
            if (kind == 2) {
                // A client that hangs up mid-stream.
                hangUp(secret, "{\"model\":\"" + model + "\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"bye [[mock tokens=2000 token_ms=5]]\"}]}");
                sent++;
                continue;
            }
            String body = anthropicEndpoint
                    ? "{\"model\":\"" + model + "\",\"max_tokens\":50," + (stream ? "\"stream\":true," : "")
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi " + directive + "\"}]}"
                    : "{\"model\":\"" + model + "\"," + (stream ? "\"stream\":true," : "")
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi " + directive + "\"}]}";
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl()
                            + (anthropicEndpoint ? "/v1/messages" : "/v1/chat/completions")))
                    .header("Authorization", "Bearer " + secret).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            if (project != null) {
                b.header("x-sluice-project", project);
            }
            if (useCase != null) {
                b.header("x-sluice-use-case", useCase);
            }
            try {
                http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException cut) {
                // A JSON answer the provider cut short reaches the client cut short: journaled all the same.
            }
            sent++;
        }
        int expected = sent;
        await().atMost(Duration.ofSeconds(60)).until(() -> gw.journal().stream().filter(JournalEntry::isFinished)
                .count() == expected);
        List<JournalEntry> journal = gw.journal();
        long endCost = 0;
        long endTokensIn = 0;
        long endTokensOut = 0;
        int cancelled = 0;
        int truncated = 0;
        for (JournalEntry e : journal) {
            endCost += Math.max(0, e.end().costMicros());
            endTokensIn += Math.max(0, e.end().tokensIn());
            endTokensOut += Math.max(0, e.end().tokensOut());
            cancelled += e.outcome().equals("client_cancelled") ? 1 : 0;
            truncated += e.outcome().equals("upstream_truncated") ? 1 : 0;
        }
        assertThat(cancelled).isPositive();
        assertThat(truncated).isPositive();
        StringBuilder report = new StringBuilder();
        for (String by : List.of("team", "project", "use-case", "key", "model", "day")) {
            JsonNode r = spend(by);
            JsonNode total = r.path("total");
            long groupCost = 0;
            long groupRequests = 0;
            for (JsonNode g : r.path("groups")) {
                groupCost += g.path("cost_micros").asLong();
                groupRequests += g.path("requests").asLong();
            }
            report.append(String.format("  --by %-8s %d groups, total %d requests, %d micros, tokens %d in / %d out%n",
                    by, r.path("groups").size(), total.path("requests").asLong(), total.path("cost_micros").asLong(),
                    total.path("tokens_in").asLong(), total.path("tokens_out").asLong()));
            assertThat(total.path("cost_micros").asLong()).as(by).isEqualTo(endCost);
            assertThat(total.path("requests").asLong()).as(by).isEqualTo(journal.size());
            assertThat(total.path("tokens_in").asLong()).as(by).isEqualTo(endTokensIn);
            assertThat(total.path("tokens_out").asLong()).as(by).isEqualTo(endTokensOut);
            assertThat(groupCost).as(by).isEqualTo(endCost);
            assertThat(groupRequests).as(by).isEqualTo(journal.size());
        }
        Map<String, Long> byTeam = new HashMap<>();
        for (JournalEntry e : journal) {
            byTeam.merge(e.request().team(), Math.max(0, e.end().costMicros()), Long::sum);
        }
        for (JsonNode g : spend("team").path("groups")) {
            assertThat(g.path("cost_micros").asLong()).isEqualTo(byTeam.get(g.path("key").asText()));
        }
        System.out.printf("spend over a mixed workload of %d requests (%d cancelled, %d truncated): END records sum "
                + "to %d micros; sluice spend totals equal them for every dimension%n%s", journal.size(), cancelled,
                truncated, endCost, report);
    }

    private JsonNode spend(String by) throws Exception {
        return spend(gw.dataDir(), by);
    }

    /** {@code sluice spend --by BY --json} over everything in {@code dataDir}'s journal; fails unless it exits 0. */
    static JsonNode spend(Path dataDir, String by) throws Exception {
        return spend(dataDir, by, "2000-01-01");
    }

    /** {@code sluice spend --by <by> --since <since> --json} over {@code dataDir}'s journal. */
    static JsonNode spend(Path dataDir, String by, String since) throws Exception {
        StringWriter out = new StringWriter();
        CommandLine cmd = new CommandLine(new SpendCommand());
        cmd.setOut(new PrintWriter(out));
        int rc = cmd.execute("--data-dir", dataDir.toString(), "--by", by, "--since", since, "--json");
        assertThat(rc).as(out.toString()).isZero();
        return JSON.readTree(out.toString());
    }

    private void hangUp(String secret, String body) throws Exception {
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + secret
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            byte[] buf = new byte[2048];
            int got = 0;
            while (got < 1500) {
                int n = s.getInputStream().read(buf);
                if (n < 0) {
                    break;
                }
                got += n;
            }
        }
    }
}
