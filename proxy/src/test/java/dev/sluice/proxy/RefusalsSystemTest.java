package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.JournalEntry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Every refusal is JSON in the caller's dialect, journaled, and costs the provider nothing. */
@Timeout(60)
class RefusalsSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private TestGateway gw;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private HttpResponse<String> send(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(body == null ? "GET" : "POST", body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final String CHAT = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String MSG = "{\"model\":\"demo-claude\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi\"}]}";

    private JsonNode openAiError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.path("error").path("code").asText()).isEqualTo(code);
        assertThat(n.path("error").path("message").asText()).isNotEmpty();
        assertThat(r.body()).doesNotContain(TestGateway.DEMO_KEY).doesNotContain("sk-wrong");
        return n;
    }

    private JsonNode anthropicError(HttpResponse<String> r, int status, String type) throws Exception {
        assertThat(r.statusCode()).isEqualTo(status);
        JsonNode n = JSON.readTree(r.body());
        assertThat(n.path("type").asText()).isEqualTo("error");
        assertThat(n.path("error").path("type").asText()).isEqualTo(type);
        assertThat(n.path("request_id").asText()).startsWith("req_");
        assertThat(r.body()).doesNotContain(TestGateway.DEMO_KEY).doesNotContain("sk-wrong");
        return n;
    }

    @Test
    void shouldRefuseMissingAndWrongKeysInEachDialect() throws Exception {
        openAiError(send("/v1/chat/completions", CHAT), 401, "invalid_api_key"); // the same answer as a wrong key (E1)
        openAiError(send("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-wrong-key-123"), 401,
                "invalid_api_key");
        anthropicError(send("/v1/messages", MSG, "x-api-key", "sk-wrong-key-123", "anthropic-version",
                "2023-06-01"), 401, "authentication_error");
        anthropicError(send("/v1/messages", MSG, "Authorization", "Bearer sk-wrong-key-123"), 401,
                "authentication_error");
        assertThat(gw.upstreamRecords()).isEmpty();
        assertThat(gw.journal()).hasSize(4).allSatisfy(e -> {
            assertThat(e.outcome()).isEqualTo("rejected");
            assertThat(e.end().status()).isEqualTo(401);
        });
    }

    @Test
    void shouldSayConnectionCloseAndCloseWhenRefusingBeforeTheBody() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
                s.setSoTimeout(30_000);
                String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk-wrong-key-"
                        + i + "\r\nContent-Type: application/json\r\nContent-Length: " + CHAT.length() + "\r\n\r\n";
                s.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                byte[] all = s.getInputStream().readAllBytes(); // returns only once the gateway closed
                String answer = new String(all, java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 401 ").containsIgnoringCase("connection: close")
                        .contains("invalid_api_key");
            }
        }
        // A refusal of a request whose body was read whole keeps the connection for the next request.
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(30_000);
            String bad = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
            String good = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: " + CHAT.length() + "\r\n\r\n" + CHAT;
            s.getOutputStream().write((bad + good).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 ").contains("missing_model").contains("HTTP/1.1 200 OK");
        }
    }

    @Test
    void shouldRefuseModelsTheKeyMayNotUseOrThatDoNotExist() throws Exception {
        String auth = "Bearer " + TestGateway.DEMO_KEY;
        openAiError(send("/v1/chat/completions", CHAT.replace("demo", "gpt-4o"), "Authorization", auth), 403,
                "model_not_allowed");
        openAiError(send("/v1/chat/completions", CHAT.replace("demo", "no-such-model"), "Authorization", auth), 404,
                "model_not_found");
        // Chat translates between the dialects; embeddings have no Anthropic equivalent.
        openAiError(send("/v1/embeddings", "{\"model\":\"demo-claude\",\"input\":\"hi\"}", "Authorization", auth),
                400, "unsupported_endpoint_for_model");
        anthropicError(send("/v1/messages", MSG.replace("demo-claude", "gpt-4o"), "x-api-key", TestGateway.DEMO_KEY),
                403, "permission_error");
        assertThat(gw.upstreamRecords()).isEmpty();
    }

    @Test
    void shouldRefuseBadBodies() throws Exception {
        String auth = "Bearer " + TestGateway.DEMO_KEY;
        openAiError(send("/v1/chat/completions", "{\"model\":\"demo\",", "Authorization", auth), 400,
                "invalid_request");
        openAiError(send("/v1/chat/completions", "[1,2]", "Authorization", auth), 400, "invalid_request");
        openAiError(send("/v1/chat/completions", "{\"messages\":[]}", "Authorization", auth), 400, "missing_model");
        String big = "{\"model\":\"demo\",\"pad\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}";
        openAiError(send("/v1/chat/completions", big, "Authorization", auth), 413, "request_too_large");
        openAiError(send("/v1/nope", CHAT, "Authorization", auth), 404, "not_found");
        assertThat(gw.upstreamRecords()).isEmpty();
    }

    /** Valid JSON with a member of the wrong type: the error names the member and what it should be, per dialect. */
    @Test
    void shouldNameTheMemberOfAWrongType() throws Exception {
        String auth = "Bearer " + TestGateway.DEMO_KEY;
        String[][] cases = {
            {"{\"model\":123,\"messages\":[]}", "model", "expected a string"},
            {"{\"model\":\"demo\",\"stream\":\"true\",\"messages\":[]}", "stream", "expected true or false"},
            {"{\"model\":\"demo\",\"max_tokens\":-5,\"messages\":[]}", "max_tokens", "expected a whole number"},
            {"{\"model\":\"demo\",\"max_completion_tokens\":1.5,\"messages\":[]}", "max_completion_tokens",
                "expected a whole number"},
            {"{\"model\":\"demo\",\"stream_options\":{\"include_usage\":1},\"messages\":[]}",
                "stream_options.include_usage", "expected true or false"},
            {"{\"model\":\"demo\",\"stream_options\":[],\"messages\":[]}", "stream_options", "expected an object"},
            {"{\"model\":\"demo\",\"model\":\"gpt-4o\",\"messages\":[]}", "model", "appears twice"},
        };
        for (String[] c : cases) {
            JsonNode openAi = openAiError(send("/v1/chat/completions", c[0], "Authorization", auth), 400,
                    "invalid_value");
            assertThat(openAi.path("error").path("param").asText()).as(c[0]).isEqualTo(c[1]);
            assertThat(openAi.path("error").path("message").asText()).as(c[0]).contains("'" + c[1] + "'")
                    .contains(c[2]);
            JsonNode anthropic = anthropicError(send("/v1/messages", c[0].replace("\"demo\"", "\"demo-claude\""),
                    "x-api-key", TestGateway.DEMO_KEY), 400, "invalid_request_error");
            assertThat(anthropic.path("error").path("message").asText()).as(c[0]).contains("'" + c[1] + "'")
                    .contains(c[2]);
        }
        // Not valid JSON at all: no member to name.
        JsonNode n = openAiError(send("/v1/chat/completions", "{\"model\":", "Authorization", auth), 400,
                "invalid_request");
        assertThat(n.path("error").path("param").isNull()).isTrue();
        assertThat(gw.upstreamRecords()).isEmpty();
    }

    @Test
    void shouldPassProviderErrorsThroughWithRetryAfter() throws Exception {
        HttpResponse<String> r = send("/v1/chat/completions",
                CHAT.replace("\"hi\"", "\"hi [[mock status=429 retry_after=70]]\""),
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        assertThat(r.statusCode()).isEqualTo(429);
        // Longer than the gateway waits for (max_retry_after_ms): the provider's answer goes back at once.
        assertThat(r.headers().firstValue("retry-after")).hasValue("70");
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        JournalEntry e = gw.awaitEnd(r.headers().firstValue("x-request-id").get());
        assertThat(e.outcome()).isEqualTo("upstream_error");
        assertThat(e.end().status()).isEqualTo(429);
    }

    @Test
    void shouldListOnlyTheModelsTheKeyMayUse() throws Exception {
        HttpResponse<String> r = send("/v1/models", null, "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode data = JSON.readTree(r.body()).path("data");
        assertThat(data.findValuesAsText("id")).containsExactly("demo", "demo-claude", "demo-embed", "demo-fallback",
                "agent/demo-agent");
        HttpResponse<String> one = send("/v1/models/gpt-4o", null, "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        assertThat(one.statusCode()).isEqualTo(404);
        HttpResponse<String> anthropic = send("/v1/models", null, "x-api-key", TestGateway.DEMO_KEY,
                "anthropic-version", "2023-06-01");
        assertThat(JSON.readTree(anthropic.body()).path("has_more").asBoolean(true)).isFalse();
    }
}
