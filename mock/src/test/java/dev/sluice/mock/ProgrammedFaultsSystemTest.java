package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class ProgrammedFaultsSystemTest extends MockSystemTestSupport {
    private static String chat(final String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    }

    @Test
    void shouldApplyAModelProgrammeOnlyToThatModelAndOnlyTimesTimes() throws IOException {
        provider.behave("mock-a", "status=503 times=2");

        assertThat(post("/v1/chat/completions", chat("mock-a")).status).isEqualTo(503);
        assertThat(post("/v1/chat/completions", chat("mock-b")).status).isEqualTo(200);
        assertThat(post("/v1/chat/completions", chat("mock-a")).status).isEqualTo(503);
        assertThat(post("/v1/chat/completions", chat("mock-a")).status).isEqualTo(200);

        assertThat(provider.requestCount("mock-a")).isEqualTo(3);
        assertThat(provider.requestCount("mock-b")).isEqualTo(1);
        assertThat(provider.requestCount("mock-c")).isZero();
        assertThat(provider.connectionCount()).isEqualTo(4);
    }

    @Test
    void shouldLetTheRequestDirectiveAndHeadersWinOverTheProgramme() throws IOException {
        provider.behave("m", "status=429 retry_after=7");

        final RawHttp.Response overridden = post("/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock status=200]]\"}]}");
        assertThat(overridden.status).isEqualTo(200);
        final RawHttp.Response header = post("/v1/chat/completions", chat("m"), "x-mock-status", "500");
        assertThat(header.status).isEqualTo(500);
        final RawHttp.Response programmed = post("/v1/chat/completions", chat("m"));
        assertThat(programmed.status).isEqualTo(429);
        assertThat(programmed.headers).containsEntry("retry-after", "7");

        provider.clearBehaviours();
        assertThat(post("/v1/chat/completions", chat("m")).status).isEqualTo(200);
        assertThatThrownBy(() -> provider.behave("m", "status=abc")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("status: abc");
    }

    @Test
    void shouldProgramModelsOverHttp() throws IOException {
        final RawHttp.Response set = post("/mock/behaviours",
            "{\"model\":\"mock-gpt\",\"directive\":\"status=503 times=1\"}");
        assertThat(set.status).isEqualTo(200);
        assertThat(json(set.body()).get("model").asText()).isEqualTo("mock-gpt");
        final JsonNode listed = json(get("/mock/behaviours").body()).get("behaviours");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("remaining").asInt()).isEqualTo(1);

        assertThat(post("/v1/chat/completions", chat("mock-gpt")).status).isEqualTo(503);
        assertThat(post("/v1/chat/completions", chat("mock-gpt")).status).isEqualTo(200);

        assertThat(post("/mock/behaviours", "{\"model\":\"mock-gpt\",\"directive\":\"status=503\"}").status)
            .isEqualTo(200);
        final RawHttp.Response cleared = client().send("DELETE", "/mock/behaviours", headers(), null).read();
        assertThat(cleared.body()).isEqualTo("{\"cleared\":true}");
        assertThat(post("/v1/chat/completions", chat("mock-gpt")).status).isEqualTo(200);

        final RawHttp.Response bad = post("/mock/behaviours", "{\"model\":\"m\",\"directive\":\"tokens=x\"}");
        assertThat(bad.status).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/message").asText()).isEqualTo("tokens: x (expected: an integer)");
        // Admin requests are not model requests.
        assertThat(provider.requestCount("mock-gpt")).isEqualTo(3);
    }

    @Test
    void shouldAnswerAfterAHeadDelay() throws IOException {
        // The delay itself is checked on EmbeddedChannel's clock in MockServerHandlerTest.
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "delayed",
            "x-mock-head-delay-ms", "250", "x-mock-status", "503"), chat("m"));
        final RawHttp.Response r = c.read();
        System.out.printf("head_delay_ms=250: answered after %d ms (reported, not asserted)%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c.sentAtNs));
        assertThat(r.status).isEqualTo(503);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        await().atMost(Duration.ofSeconds(30)).until(() -> record("delayed") != null && record("delayed").completed());
        assertThat(record("delayed").status()).isEqualTo(503);
    }

    @Test
    void shouldNeverSendAHeadWithAnEndlessHeadDelay() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "forever",
            "x-mock-head-delay-ms", "-1"), chat("m"));
        c.socket.setSoTimeout(300);
        assertThatThrownBy(c::readHead).isInstanceOf(java.net.SocketTimeoutException.class);
        c.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> record("forever") != null && record("forever").cancelled());
        assertThat(record("forever").status()).isZero();
    }

    @Test
    void shouldResetTheConnectionBeforeTheHead() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "rst"),
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock reset_before_head=1]]\"}]}");
        // A reset, not a FIN: reading fails instead of returning end of stream.
        assertThatThrownBy(() -> c.socket.getInputStream().read()).isInstanceOf(SocketException.class);
        assertThat(record("rst")).isNotNull();
        assertThat(record("rst").status()).isZero();
        assertThat(provider.requestCount("m")).isEqualTo(1);
    }

    @Test
    void shouldSendRedirectWithLocationCookieAndHopHeaders() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"[[mock status=302 location=http://127.0.0.9/steal set_cookie=1 hop_headers=1]]\"}]}");

        assertThat(r.status).isEqualTo(302);
        assertThat(r.headers).containsEntry("location", "http://127.0.0.9/steal")
            .containsEntry("set-cookie", "session=secret; Path=/")
            .containsEntry("connection", "keep-alive, X-Hop").containsEntry("x-hop", "1")
            .containsEntry("keep-alive", "timeout=5").containsEntry("proxy-connection", "keep-alive")
            .containsEntry("content-length", "0").doesNotContainKey("content-type");
        assertThat(r.body()).isEmpty();
    }

    @Test
    void shouldOverrideTheContentTypeOfStreamsAndAddHeadersToThem() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", "{\"model\":\"m\",\"stream\":true,\"messages\":[]}",
            "x-mock-content-type", "text/html", "x-mock-set-cookie", "1", "x-mock-tokens", "1");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.headers).containsEntry("content-type", "text/html")
            .containsEntry("set-cookie", "session=secret; Path=/");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
    }

    private MockRecord record(final String id) {
        return provider.records().stream().filter(r -> r.id().equals(id)).findFirst().orElse(null);
    }
}
