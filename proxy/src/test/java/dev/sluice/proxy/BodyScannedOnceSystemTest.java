package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.JournalEntry;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;

/**
 * A request body is scanned once, whatever happens to the request after: admission against limits, a fallback to
 * another deployment, a retry of the same deployment after a backoff, translation into the other dialect, a
 * stream. The gateway counts its scans ({@code sluice_request_body_scans_total}); the facts the one scan found
 * stay with the request.
 */
@Timeout(120)
class BodyScannedOnceSystemTest {
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private long scans() {
        return gw.gateway().metrics().bodyScans();
    }

    @Test
    void shouldScanEachRequestBodyOnceThroughAdmissionRetriesAndTranslation() throws Exception {
        String providers = "  refused: {kind: openai, base_url: \"http://127.0.0.1:" + closedPort() + "/v1\"}\n";
        String models = FallbackSystemTest.chain("plain", "", "mock/gpt-a")
                + FallbackSystemTest.chain("fallback", "", "refused/gpt-a", "mock/gpt-b")
                + FallbackSystemTest.chain("retried", "    attempts: 3\n", "refused/gpt-a")
                + FallbackSystemTest.chain("translated", "", "mock-anthropic/claude-x")
                + FallbackSystemTest.chain("translated-fallback", "", "refused/gpt-a", "mock-anthropic/claude-x");
        // The key has limits: every request goes through admission, its reservation estimated from the body.
        gw = TestGateway.startWith(FallbackSystemTest.config("", providers, models).replace("    models: \"*\"\n",
                "    models: \"*\"\n    limits: {requests_per_minute: 1000, tokens_per_minute: 10000000}\n"));
        assertThat(scans()).isZero();

        HttpResponse<String> plain = gw.chat("plain", "hello");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(scans()).isEqualTo(1);

        HttpResponse<String> fallback = gw.chat("fallback", "hello");
        assertThat(fallback.statusCode()).isEqualTo(200);
        JournalEntry e = gw.awaitEnd(TestGateway.requestId(fallback));
        assertThat(e.end().attempts()).extracting(a -> a.outcome())
                .containsExactly(AttemptOutcome.CONNECT_REFUSED, AttemptOutcome.OK);
        assertThat(scans()).isEqualTo(2);

        HttpResponse<String> retried = gw.chat("retried", "hello");
        assertThat(retried.statusCode()).isEqualTo(502);
        assertThat(gw.awaitEnd(TestGateway.requestId(retried)).end().attempts()).hasSize(3);
        assertThat(scans()).isEqualTo(3);

        HttpResponse<String> translated = gw.chat("translated", "hello");
        assertThat(translated.statusCode()).isEqualTo(200);
        assertThat(scans()).isEqualTo(4);

        HttpResponse<String> stream = gw.post("/v1/chat/completions", "{\"model\":\"translated-fallback\","
                + "\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("data: [DONE]");
        assertThat(gw.awaitEnd(TestGateway.requestId(stream)).end().attempts()).hasSize(2);
        assertThat(scans()).isEqualTo(5);

        // Each request was admitted against the key's limits (the reservation estimated from the same body).
        assertThat(gw.gateway().metrics().requests()).isEqualTo(5);
    }
}
