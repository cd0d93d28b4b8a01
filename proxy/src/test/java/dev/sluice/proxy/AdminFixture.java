package dev.sluice.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.proxy.internal.AdminAudit;
import dev.sluice.routing.config.KeyDigester;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gateway with an admin token and two teams, each with a team admin token, for the admin API tests: team alpha
 * may use m1 and m2, team beta m2 and m3, both only the chat and messages endpoints; one configuration key per
 * team. Close it in {@code @AfterEach}.
 */
final class AdminFixture implements AutoCloseable {
    static final String ADMIN_TOKEN = "sluice-admin-canary-5e0f1c2a9d";
    static final String ALPHA_TOKEN = "sluice-admin-canary-alpha-77c1";
    static final String BETA_TOKEN = "sluice-admin-canary-beta-0b3e";
    static final String CONF_ALPHA_SECRET = "sk-access-good-key-conf-alpha";
    static final String CONF_BETA_SECRET = "sk-access-good-key-conf-beta";
    static final ObjectMapper JSON = new ObjectMapper();

    /** Every audit record, as "actor action target outcome". */
    final List<String> audit = new CopyOnWriteArrayList<>();
    final TestGateway gw;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdminFixture(TestGateway gw) {
        this.gw = gw;
        AdminAudit log = AdminAudit.logging();
        gw.gateway().adminAudit((actor, action, target, outcome, detail) -> {
            audit.add(actor + " " + action + " " + target + " " + outcome);
            log.record(actor, action, target, outcome, detail);
        });
    }

    static AdminFixture start() throws Exception {
        return new AdminFixture(TestGateway.startWith(config(true)));
    }

    /** Wraps a gateway started elsewhere (closing the fixture closes it). */
    static AdminFixture of(TestGateway gw) {
        return new AdminFixture(gw);
    }

    static String config(boolean adminToken) {
        return "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "upstream: {connect_timeout_ms: 1000, first_byte_timeout_ms: 5000, idle_timeout_ms: 5000}\n"
                + "mock_provider: {enabled: true}\n"
                + "providers:\n  mock: {kind: openai, base_url: mock}\n"
                + "models:\n"
                + "  m1: {provider: mock, model: gpt-m1, price: {input: 1, output: 2}}\n"
                + "  m2: {provider: mock, model: gpt-m2, price: {input: 1, output: 2}}\n"
                + "  m3: {provider: mock, model: gpt-m3, price: {input: 1, output: 2}}\n"
                + (adminToken ? "admin: {token: " + ADMIN_TOKEN + "}\n" : "")
                + "teams:\n"
                + "  alpha: {models: [m1, m2], endpoints: [chat_completions, messages], admin_token_hash: \"sha256:" + KeyDigester.sha256Hex(ALPHA_TOKEN)
                + "\"}\n"
                + "  beta: {models: [m2, m3], endpoints: [chat_completions, messages], admin_token_hash: \"sha256:" + KeyDigester.sha256Hex(BETA_TOKEN) + "\"}\n"
                + "keys:\n"
                + "  - {id: conf-alpha, hash: \"sha256:" + KeyDigester.sha256Hex(CONF_ALPHA_SECRET)
                + "\", team: alpha, user: ann}\n"
                + "  - {id: conf-beta, hash: \"sha256:" + KeyDigester.sha256Hex(CONF_BETA_SECRET)
                + "\", team: beta, user: bob}\n";
    }

    /** Sends an admin API request; {@code token} null sends no Authorization header. */
    HttpResponse<String> admin(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.gateway().adminPort() + path))
                .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return send(b.build());
    }

    /** Creates a key as the gateway admin and returns the answer (with its secret); fails unless 201. */
    JsonNode create(String body) {
        HttpResponse<String> r = admin("POST", "/admin/keys", ADMIN_TOKEN, body);
        if (r.statusCode() != 201) {
            throw new AssertionError("create " + body + " -> " + r.statusCode() + " " + r.body());
        }
        return json(r.body());
    }

    /** Sends a chat request for {@code model} with {@code secret}; returns the status. */
    int chat(String secret, String model) {
        return chat(gw.port(), secret, model);
    }

    /** Sends a chat request to the gateway on {@code port}; returns the status. */
    static int chat(int port, String secret, String model) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + secret)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":8,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build();
        return send(req).statusCode();
    }

    static JsonNode json(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest req) {
        try {
            return HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        gw.close();
    }
}
