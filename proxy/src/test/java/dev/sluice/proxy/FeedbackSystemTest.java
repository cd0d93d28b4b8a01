package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.codec.Endpoint;
import dev.sluice.journal.FeedbackRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.proxy.cli.EvalCommand;
import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/feedback} end to end (issue: evaluation before scaling, feedback): feedback is taken from the key
 * that made the request and from keys of its team, refused with one 404 from any other key and for a request that
 * does not exist, refused with the member named for every malformed body, journaled as FEEDBACK records carrying
 * the rated request's agent version and model, and rolled up by {@code sluice eval feedback}, whose totals equal
 * the journal's.
 */
@Timeout(180)
class FeedbackSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEAMMATE = "sk-feedback-teammate-0001";
    private static final String OUTSIDER = "sk-feedback-outsider-0001";
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String config() throws IOException {
        return Files.readString(TestGateway.defaultConfig())
                + "  - {id: teammate, hash: \"sha256:" + KeyDigester.sha256Hex(TEAMMATE) + "\", team: demo, "
                + "models: [demo]}\n"
                + "  - {id: outsider, hash: \"sha256:" + KeyDigester.sha256Hex(OUTSIDER) + "\", team: other, "
                + "models: [demo]}\n";
    }

    private HttpResponse<String> post(String key, String path, String body, String... headers) {
        return gw.post(key, path, body, headers);
    }

    private String chat(String key, String model) {
        String variables = model.startsWith("agent/") ? ",\"variables\":{\"customer\":\"Ada\"}" : "";
        HttpResponse<String> r = post(key, "/v1/chat/completions", "{\"model\":\"" + model + "\"" + variables
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return TestGateway.requestId(r);
    }

    private static String feedback(String requestId, String metric, String value) {
        return "{\"request_id\":\"" + requestId + "\",\"metric\":\"" + metric + "\",\"value\":" + value + "}";
    }

    @Test
    void feedbackIsTakenFromTheRequestsKeyOrTeamOnlyAndItsTotalsEqualTheJournals() throws Exception {
        gw = TestGateway.startWith(config());
        List<String> demo = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            demo.add(chat(TestGateway.DEMO_KEY, "demo"));
        }
        String agentRequest = chat(TestGateway.DEMO_KEY, "agent/demo-agent");
        String outsiders = chat(OUTSIDER, "demo");
        String agentVersion = gw.awaitEnd(agentRequest).request().agentVersion();
        gw.awaitEnd(outsiders);

        // Refused: another team's key, a request that does not exist, a key that is no key; one 404 body for the
        // first two, so a caller learns nothing of which ids exist.
        String missing = "req_0000000000000001";
        HttpResponse<String> notYours = post(OUTSIDER, "/v1/feedback", feedback(demo.get(0), "thumbs_up", "true"));
        HttpResponse<String> notThere = post(OUTSIDER, "/v1/feedback", feedback(missing, "thumbs_up", "true"));
        HttpResponse<String> theirs = post(TestGateway.DEMO_KEY, "/v1/feedback",
                feedback(outsiders, "thumbs_up", "true"));
        HttpResponse<String> noKey = post(null, "/v1/feedback", feedback(demo.get(0), "thumbs_up", "true"));
        HttpResponse<String> anthropic = post(OUTSIDER, "/v1/feedback", feedback(demo.get(0), "thumbs_up", "true"),
                "anthropic-version", "2023-06-01");
        assertThat(notYours.statusCode()).isEqualTo(404);
        assertThat(theirs.statusCode()).isEqualTo(404);
        assertThat(noKey.statusCode()).isEqualTo(401);
        JsonNode error = JSON.readTree(notYours.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("request_not_found");
        assertThat(error.path("param").asText()).isEqualTo("request_id");
        assertThat(notThere.statusCode()).isEqualTo(404);
        assertThat(notThere.body().replace(missing, demo.get(0))).isEqualTo(notYours.body());
        assertThat(anthropic.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(anthropic.body()).path("type").asText()).as(anthropic.body()).isEqualTo("error");
        assertThat(JSON.readTree(anthropic.body()).path("error").path("type").asText()).isEqualTo("not_found_error");

        // Malformed bodies name the member at fault.
        Map<String, String> bad = new HashMap<>();
        bad.put("{\"request_id\":\"" + demo.get(0) + "\",\"metric\":\"ok\",\"value\":true,\"score\":1}", "score");
        bad.put(feedback(demo.get(0), "ok", "\"yes\""), "value");
        bad.put(feedback(demo.get(0), "no spaces", "true"), "metric");
        bad.put(feedback("12345", "ok", "true"), "request_id");
        bad.put("{\"request_id\":\"" + demo.get(0) + "\",\"metric\":\"ok\",\"value\":1,\"comment\":\""
                + "x".repeat(1025) + "\"}", "comment");
        bad.put("not json", "");
        for (Map.Entry<String, String> b : bad.entrySet()) {
            HttpResponse<String> r = post(TestGateway.DEMO_KEY, "/v1/feedback", b.getKey());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            JsonNode param = JSON.readTree(r.body()).path("error").path("param");
            assertThat(param.isNull() ? "" : param.asText()).as(r.body()).isEqualTo(b.getValue());
        }

        // Accepted: the request's own key, a key of its team; a later value of the same key replaces its earlier.
        int accepted = 0;
        String[][] sent = {
            {TestGateway.DEMO_KEY, demo.get(0), "thumbs_up", "true"},
            {TestGateway.DEMO_KEY, demo.get(1), "thumbs_up", "false"},
            {TestGateway.DEMO_KEY, demo.get(2), "thumbs_up", "true"},
            {TEAMMATE, demo.get(2), "thumbs_up", "true"},
            {TestGateway.DEMO_KEY, demo.get(3), "thumbs_up", "true"},
            {TestGateway.DEMO_KEY, demo.get(3), "thumbs_up", "false"},
            {TestGateway.DEMO_KEY, demo.get(0), "stars", "4"},
            {TEAMMATE, demo.get(1), "stars", "2.5"},
            {TestGateway.DEMO_KEY, agentRequest, "thumbs_up", "true"},
            {OUTSIDER, outsiders, "thumbs_up", "false"},
        };
        for (String[] s : sent) {
            HttpResponse<String> r = post(s[0], "/v1/feedback", "{\"request_id\":\"" + s[1] + "\",\"metric\":\""
                    + s[2] + "\",\"value\":" + s[3] + ",\"comment\":\"from a test\"}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("request_id").asText()).isEqualTo(s[1]);
            assertThat(body.path("model").asText()).isEqualTo("mock-gpt");
            accepted++;
        }

        List<FeedbackRecord> records = new ArrayList<>();
        try (JournalReader r = JournalReader.open(gw.gateway().journalDir())) {
            RecordVisitor v = new RecordVisitor() {
                @Override
                public void onFeedback(FeedbackRecord f) {
                    records.add(f);
                }
            };
            while (r.poll(v, 1000) > 0) {
                // read on
            }
        }
        assertThat(records).hasSize(accepted);
        FeedbackRecord onAgent = records.stream().filter(f -> f.agent() != null).findFirst().orElseThrow();
        assertThat(onAgent.agent()).isEqualTo("demo-agent");
        assertThat(onAgent.agentVersion()).isEqualTo(agentVersion);
        assertThat(records.get(3).senderKey()).isEqualTo("teammate");
        assertThat(records.get(3).requestKey()).isEqualTo("demo");
        long feedbackCalls = 0;
        for (JournalEntry e : gw.journal()) {
            if (e.request().endpoint() == Endpoint.FEEDBACK.id()) {
                feedbackCalls++;
            }
        }
        assertThat(feedbackCalls).as("every feedback call is a journaled request")
                .isEqualTo(accepted + bad.size() + 5);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("feedback", "--json", "--data-dir", gw.dataDir().toString());
        assertThat(rc).as(err.toString()).isZero();
        JsonNode report = JSON.readTree(out.toString());
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : report.path("rows")) {
            rows.put(row.path("agent").asText("-") + "|" + row.path("metric").asText(), row);
        }
        System.out.printf("feedback: %d accepted, 5 refused (another team's key 404 in either dialect, no such "
                + "request 404, a request of another team 404, no key 401), %d malformed bodies 400 with their member; journal: %d FEEDBACK "
                + "records; eval feedback: %d records, %d counted; rows %s%n", accepted, bad.size(), records.size(),
                report.path("records").asLong(), report.path("counted").asLong(), report.path("rows"));
        assertThat(report.path("records").asLong()).isEqualTo(records.size());
        // The demo key's second value on demo[3] replaces its first: one vote fewer than records.
        assertThat(report.path("counted").asLong()).isEqualTo(records.size() - 1);
        JsonNode thumbs = rows.get("-|thumbs_up");
        // demo[0] true, demo[1] false, demo[2] true twice (two keys), demo[3] false (latest), outsider's false.
        assertThat(thumbs.path("count").asLong()).isEqualTo(6);
        assertThat(thumbs.path("true").asLong()).isEqualTo(3);
        assertThat(thumbs.path("model").asText()).isEqualTo("mock-gpt");
        assertThat(rows.get("-|stars").path("mean").asDouble()).isEqualTo(3.25);
        JsonNode agentRow = rows.get("demo-agent|thumbs_up");
        assertThat(agentRow.path("agent_version").asText()).isEqualTo(agentVersion);
        assertThat(agentRow.path("count").asLong()).isEqualTo(1);

        out.getBuffer().setLength(0);
        rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("feedback", "--agent", "demo-agent", "--data-dir", gw.dataDir().toString());
        assertThat(rc).isZero();
        assertThat(out.toString()).contains("demo-agent").contains(agentVersion).contains("1 feedback records, "
                + "1 counted");
    }
}
