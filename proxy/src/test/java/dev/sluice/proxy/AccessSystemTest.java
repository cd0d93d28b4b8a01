package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who may call what (RELIABILITY.md E1, E3, E7): every wrong, expired, revoked or malformed credential gets the
 * same 401; disabled keys and teams 403; a key allowed one model reaches no other by any path; the provider sees
 * only its own credential, never one of the client's, across a fallback too.
 */
@Timeout(120)
class AccessSystemTest {
    private static final String GOOD = "sk-access-good-key-0001";
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String config() {
        return "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "mock_provider: {enabled: true}\n"
                + "providers:\n"
                + "  mock: {kind: openai, base_url: mock, api_key: sk-provider-a-canary-7f3e}\n"
                + "  mock-b: {kind: openai, base_url: mock, api_key: sk-provider-b-canary-91c2}\n"
                + "  mock-anthropic: {kind: anthropic, base_url: mock, api_key: sk-ant-provider-canary-55aa}\n"
                + "models:\n"
                + "  m1: {provider: mock, model: gpt-m1}\n"
                + "  m2: {provider: mock, model: gpt-m2}\n"
                + "  m2-claude: {provider: mock-anthropic, model: claude-m2}\n"
                + "  chain:\n    deployments:\n      - {provider: mock, model: gpt-fail}\n"
                + "      - {provider: mock-b, model: gpt-ok}\n"
                + "teams:\n  t: {}\n  stopped: {disabled: true}\n"
                + "keys:\n"
                + GovernanceSystemTest.keyLine("good", GOOD, "models: [m1, chain]").replace("team: t", "team: t")
                + GovernanceSystemTest.keyLine("expired", "sk-access-expired-0001", "expires: 2020-01-01T00:00:00Z")
                + GovernanceSystemTest.keyLine("disabled", "sk-access-disabled-001", "disabled: true")
                + GovernanceSystemTest.keyLine("offteam", "sk-access-offteam-0001", "").replace("team: t", "team: stopped")
                + GovernanceSystemTest.keyLine("chatonly", "sk-access-chatonly-001", "endpoints: [chat_completions]");
    }

    /** A raw request; returns status line, headers and body as received. */
    private String raw(String requestHead, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write((requestHead + "Content-Type: application/json\r\nConnection: close\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** The body without the per-request id, to compare bodies across requests. */
    private static String bodyOf(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4).replaceAll("req_[0-9a-f]{16}", "req_");
    }

    private static final String CHAT = "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String MSG = "{\"model\":\"m1\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    // ---------------------------------------------------------------- E1

    @Test
    void shouldAnswerEveryBadCredentialWithOneUniform401() throws Exception {
        gw = TestGateway.startWith(config());
        String post = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("missing", post);
        cases.put("empty bearer", post + "Authorization: Bearer \r\n");
        cases.put("bearer without token", post + "Authorization: Bearer\r\n");
        cases.put("empty header", post + "Authorization: \r\n");
        cases.put("two authorization headers", post + "Authorization: Bearer " + GOOD + "\r\nAuthorization: Bearer "
                + GOOD + "\r\n");
        cases.put("key in the query string", "POST /v1/chat/completions?key=" + GOOD + " HTTP/1.1\r\nHost: x\r\n");
        cases.put("wrong key", post + "Authorization: Bearer sk-access-wrong-key-0001\r\n");
        cases.put("upper-cased key", post + "Authorization: Bearer " + GOOD.toUpperCase() + "\r\n");
        cases.put("key with a character less", post + "Authorization: Bearer " + GOOD.substring(1) + "\r\n");
        cases.put("key with a suffix", post + "Authorization: Bearer " + GOOD + "x\r\n");
        cases.put("basic scheme", post + "Authorization: Basic " + GOOD + "\r\n");
        cases.put("expired key", post + "Authorization: Bearer sk-access-expired-0001\r\n");
        cases.put("x-api-key wrong", post + "x-api-key: sk-access-wrong-key-0001\r\n");
        cases.put("x-api-key and bearer disagree", post + "x-api-key: sk-access-wrong-key-0001\r\nAuthorization: "
                + "Bearer " + GOOD + "\r\n");
        Set<String> bodies401 = new LinkedHashSet<>();
        int wrong = 0;
        StringBuilder report = new StringBuilder();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String r = raw(c.getValue(), CHAT);
            report.append(String.format("  %-32s %d%n", c.getKey(), status(r)));
            if (status(r) != 401) {
                wrong++;
            } else {
                bodies401.add(bodyOf(r));
            }
            assertThat(r).doesNotContain(GOOD);
        }
        // Anthropic dialect: the same uniform answer in its own format.
        String m = raw("POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: sk-access-wrong-key-0001\r\n", MSG);
        assertThat(status(m)).isEqualTo(401);
        assertThat(m).contains("authentication_error");
        // 403: a disabled key, a key of a disabled team, an endpoint the key may not use.
        Map<String, String> forbidden = new LinkedHashMap<>();
        forbidden.put("disabled key", post + "Authorization: Bearer sk-access-disabled-001\r\n");
        forbidden.put("disabled team", post + "Authorization: Bearer sk-access-offteam-0001\r\n");
        forbidden.put("endpoint not allowed", "POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + "sk-access-chatonly-001\r\n");
        for (Map.Entry<String, String> c : forbidden.entrySet()) {
            String r = raw(c.getValue(), c.getKey().startsWith("endpoint")
                    ? "{\"model\":\"m1\",\"input\":\"x\"}" : CHAT);
            report.append(String.format("  %-32s %d%n", c.getKey(), status(r)));
            if (status(r) != 403) {
                wrong++;
            }
        }
        String ok = raw(post + "Authorization: bearer " + GOOD + "\r\n", CHAT);
        report.append(String.format("  %-32s %d%n", "lower-case scheme, good key", status(ok)));
        System.out.printf("E1 authentication matrix (%d cases): %d wrong statuses, %d distinct 401 bodies%n%s",
                cases.size() + forbidden.size() + 1, wrong, bodies401.size(), report);
        assertThat(wrong).isZero();
        assertThat(bodies401).hasSize(1);
        assertThat(status(ok)).isEqualTo(200);
        assertThat(gw.upstreamRecords()).hasSize(1);
    }

    // ---------------------------------------------------------------- E3

    @Test
    void shouldKeepAKeyToItsModelsOnEveryPath() throws Exception {
        gw = TestGateway.startWith(config());
        String auth = "Authorization: Bearer " + GOOD + "\r\n";
        List<String[]> attempts = new ArrayList<>();
        for (String name : List.of("m2", "M2", "M1 ", " m1", "m2 ", "mock/gpt-m2", "gpt-m2", "m2-claude", "m1\\u0000",
                "m\\u0032", "*", "")) {
            attempts.add(new String[] {"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                    "{\"model\":\"" + name + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", name});
        }
        attempts.add(new String[] {"POST /v1/chat/completions?model=m2 HTTP/1.1\r\nHost: x\r\n" + auth,
                "{\"model\":\"m2\",\"messages\":[]}", "?model=m2"});
        attempts.add(new String[] {"POST /openai/deployments/m2/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                CHAT, "azure-style path"});
        attempts.add(new String[] {"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\n" + auth,
                "{\"model\":\"m2\",\"input\":\"x\"}", "embeddings"});
        attempts.add(new String[] {"POST /v1/responses HTTP/1.1\r\nHost: x\r\n" + auth,
                "{\"model\":\"m2\",\"input\":\"x\"}", "responses"});
        attempts.add(new String[] {"POST /v1/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                "{\"model\":\"m2\",\"prompt\":\"x\"}", "completions"});
        attempts.add(new String[] {"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + GOOD + "\r\n",
                MSG.replace("m1", "m2-claude"), "messages"});
        attempts.add(new String[] {"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: " + GOOD + "\r\n",
                MSG.replace("m1", "m2"), "messages, OpenAI model"});
        attempts.add(new String[] {"POST //v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                CHAT.replace("m1", "m2"), "double slash"});
        attempts.add(new String[] {"POST /v1/./chat/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                CHAT.replace("m1", "m2"), "dot segment"});
        attempts.add(new String[] {"POST /v1/chat%2Fcompletions HTTP/1.1\r\nHost: x\r\n" + auth,
                CHAT.replace("m1", "m2"), "encoded slash"});
        attempts.add(new String[] {"POST http://127.0.0.1/v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth,
                CHAT.replace("m1", "m2"), "absolute form"});
        int bypasses = 0;
        StringBuilder report = new StringBuilder();
        for (String[] a : attempts) {
            String r = raw(a[0], a[1]);
            int st = status(r);
            report.append(String.format("  %-22s %d%n", a[2], st));
            if (st < 400) {
                bypasses++;
            }
        }
        long spent = gw.journal().stream().filter(e -> e.isFinished() && e.end().costMicros() > 0).count();
        System.out.printf("E3 model allowlist, key allowed m1 trying m2 (%d paths x variants): %d bypasses, %d upstream "
                + "requests, %d billed%n%s", attempts.size(), bypasses, gw.upstreamRecords().size(), spent, report);
        assertThat(bypasses).isZero();
        assertThat(gw.upstreamRecords()).isEmpty();
        assertThat(spent).isZero();
        assertThat(status(raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n" + auth, CHAT))).isEqualTo(200);
    }

    // ---------------------------------------------------------------- E7

    @Test
    void shouldSendProvidersOnlyTheirOwnCredential() throws Exception {
        gw = TestGateway.startWith(config());
        gw.mock().behave("gpt-fail", "status=503");
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GOOD + "\r\n"
                + "x-api-key: " + GOOD + "\r\napi-key: sk-client-apikey-canary\r\n"
                + "x-goog-api-key: client-goog-canary\r\nanthropic-api-key: client-anthropic-canary\r\n"
                + "Cookie: session=client-cookie-canary\r\nx-pass-authorization: client-pass-canary\r\n"
                + "Proxy-Authorization: Basic client-proxy-canary\r\n";
        String r = raw(head, CHAT.replace("m1", "chain"));
        assertThat(status(r)).isEqualTo(200);
        String r2 = raw(head, CHAT);
        assertThat(status(r2)).isEqualTo(200);
        int extra = 0;
        List<String> seen = new ArrayList<>();
        for (MockRecord rec : gw.upstreamRecords()) {
            String model = new String(rec.body(), StandardCharsets.UTF_8).contains("gpt-ok") ? "gpt-ok" : "other";
            String expected = model.equals("gpt-ok") ? "Bearer sk-provider-b-canary-91c2"
                    : "Bearer sk-provider-a-canary-7f3e";
            for (Map.Entry<String, String> h : rec.headers().entrySet()) {
                String v = h.getValue();
                boolean credentialHeader = h.getKey().equals("authorization") || h.getKey().contains("api-key")
                        || h.getKey().equals("cookie") || h.getKey().contains("pass") || h.getKey().startsWith("proxy");
                if ((v.contains("canary") || v.contains(GOOD))
                        && !(h.getKey().equals("authorization") && v.equals(expected))) {
                    extra++;
                    seen.add(h.getKey() + ": " + v);
                } else if (credentialHeader && !h.getKey().equals("authorization")) {
                    extra++;
                    seen.add(h.getKey());
                }
            }
            assertThat(rec.header("authorization")).isEqualTo(expected);
        }
        System.out.printf("E7 credential isolation: %d upstream requests (fallback A -> B included), %d extra "
                + "credentials seen upstream %s%n", gw.upstreamRecords().size(), extra, seen);
        assertThat(gw.upstreamRecords()).hasSize(3);
        assertThat(extra).isZero();
        // The provider's 401 (which may echo its key) is never relayed.
        gw.mock().behave("gpt-m1", "status=401");
        String refused = raw("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + GOOD + "\r\n",
                CHAT);
        assertThat(status(refused)).isEqualTo(502);
        assertThat(refused).doesNotContain("canary").contains("upstream_auth_failed");
    }
}
