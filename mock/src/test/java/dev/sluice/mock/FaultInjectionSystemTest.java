package dev.sluice.mock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class FaultInjectionSystemTest extends MockSystemTestSupport {
    /** How long an event (a record, a close seen by the provider) may take on a loaded machine. */
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String CHAT = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}";

    // The delays themselves (nothing before first_token_ms, then one event every token_ms) are checked on
    // EmbeddedChannel's clock in MockServerHandlerTest; here the same answers go through a real socket.

    @Test
    void shouldSendTheHeadAtOnceAndHoldTheFirstEventForFirstTokenMs() throws IOException {
        // A first token due long after the test: the head must arrive on its own, with no event yet sent.
        final RawHttp held = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "held",
            "x-mock-first-token-ms", "600000", "x-mock-tokens", "1"), CHAT);
        final RawHttp.Response head = held.readHead();
        assertThat(head.status).isEqualTo(200);
        assertThat(head.headers).containsEntry("content-type", "text/event-stream");
        assertThat(awaitRecord("held").eventsSent()).isZero();
        held.close();
        await().atMost(WAIT).until(() -> awaitRecord("held").cancelled());
        assertThat(awaitRecord("held").eventsSent()).isZero();

        // A first token due soon: the whole stream follows the head.
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "soon",
            "x-mock-first-token-ms", "200", "x-mock-tokens", "1"), CHAT);
        final RawHttp.Response r = c.readHead();
        final long headersAt = System.nanoTime();
        c.readBody(r);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        assertThat(r.chunks.get(r.chunks.size() - 1).text()).isEqualTo("data: [DONE]\n\n");
        assertThat(awaitRecord("soon").completed()).isTrue();
        System.out.printf("first_token_ms=200: head after %d ms, first event after %d ms (reported, not asserted)%n",
            TimeUnit.NANOSECONDS.toMillis(headersAt - c.sentAtNs),
            TimeUnit.NANOSECONDS.toMillis(r.chunks.get(0).atNs() - c.sentAtNs));
    }

    @Test
    void shouldSendEveryEventOfASpacedStreamInAChunkOfItsOwn() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", CHAT, "x-test-req-id", "spaced", "x-mock-token-ms",
            "60", "x-mock-tokens", "3");

        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        assertThat(r.chunks).hasSize(6).allMatch(ch -> ch.text().startsWith("data: ") && ch.text().endsWith("\n\n")
            && ch.text().indexOf("\n\n") == ch.text().length() - 2);
        assertThat(r.chunks.get(5).text()).isEqualTo("data: [DONE]\n\n");
        assertThat(awaitRecord("spaced").eventsSent()).isEqualTo(6);
        assertThat(awaitRecord("spaced").completed()).isTrue();
        System.out.printf("token_ms=60: first to last event %d ms (reported, not asserted)%n",
            TimeUnit.NANOSECONDS.toMillis(r.chunks.get(5).atNs() - r.chunks.get(0).atNs()));
    }

    @Test
    void shouldHoldTheWholeJsonAnswerForFirstTokenMs() throws IOException {
        // Held long after the test: not even the head is sent while the answer waits.
        final RawHttp held = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "held-json",
            "x-mock-first-token-ms", "600000"), "{\"model\":\"m\",\"messages\":[]}");
        held.socket.setSoTimeout(300);
        assertThatThrownBy(held::readHead).isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(awaitRecord("held-json").status()).isZero();
        held.close();
        await().atMost(WAIT).until(() -> awaitRecord("held-json").cancelled());

        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-mock-first-token-ms", "150"),
            "{\"model\":\"m\",\"messages\":[]}");
        final RawHttp.Response r = c.read();
        assertThat(r.status).isEqualTo(200);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        assertThat(r.body()).contains("\"object\":\"chat.completion\"");
        System.out.printf("first_token_ms=150 on a JSON answer: answered after %d ms (reported, not asserted)%n",
            TimeUnit.NANOSECONDS.toMillis(r.chunks.get(0).atNs() - c.sentAtNs));
    }

    @Test
    void shouldAnswerInjectedRateLimitWithRetryAfter() throws IOException {
        final String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock status=429 retry_after=3]]\"}]}";
        final RawHttp.Response r = post("/v1/chat/completions", body);

        assertThat(r.status).isEqualTo(429);
        assertThat(r.headers).containsEntry("retry-after", "3").containsEntry("x-should-retry", "false")
            .containsEntry("content-type", "application/json").containsKey("x-request-id");
        final JsonNode e = json(r.body()).get("error");
        assertThat(e.get("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(e.get("message").asText()).isNotEmpty();
        assertThat(e.get("param").isNull()).isTrue();

        final RawHttp.Response a = post("/v1/messages", "{\"model\":\"c\",\"max_tokens\":5,\"messages\":[]}",
            "x-mock-status", "429", "x-mock-retry-after", "3");
        assertThat(a.status).isEqualTo(429);
        assertThat(a.headers).containsEntry("retry-after", "3").containsKey("request-id");
        assertThat(json(a.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void shouldCloseWithoutTerminatingChunkOnFinTruncation() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", CHAT, "x-test-req-id", "fin",
            "x-mock-truncate-after", "3");

        assertThat(r.chunks).hasSize(3);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.EOF);
        final MockRecord rec = awaitRecord("fin");
        assertThat(rec.eventsSent()).isEqualTo(3);
        assertThat(rec.completed()).isFalse();
        assertThat(rec.cancelled()).isFalse();
    }

    @Test
    void shouldResetConnectionOnRstTruncation() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "rst",
            "x-mock-truncate-after", "2", "x-mock-truncate-mode", "rst"), CHAT);
        RawHttp.Ending ending;
        int events = 0;
        try {
            final RawHttp.Response r = c.readHead();
            c.readBody(r);
            ending = r.ending;
            events = r.chunks.size();
        } catch (final java.net.SocketException e) {
            ending = RawHttp.Ending.RESET;
        }

        // A reset, never a FIN: either the read fails at once or after the events that arrived first.
        assertThat(ending).isEqualTo(RawHttp.Ending.RESET);
        assertThat(events).isLessThanOrEqualTo(2);
        assertThat(awaitRecord("rst").eventsSent()).isEqualTo(2);
        assertThat(awaitRecord("rst").completed()).isFalse();
    }

    @Test
    void shouldEndResponseProperlyWithoutTerminalEventOnCleanTruncation() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-mock-truncate-after", "2",
            "x-mock-truncate-mode", "clean"), CHAT);
        final RawHttp.Response r = c.read();

        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        assertThat(r.chunks).hasSize(2);
        assertThat(r.body()).doesNotContain("[DONE]").doesNotContain("finish_reason\":\"stop");
        // The connection is still usable for the next request.
        final RawHttp.Response next = c.send("GET", "/v1/models", headers(), null).read();
        assertThat(next.status).isEqualTo(200);
    }

    @Test
    void shouldTruncateJsonBodyAfterNBytes() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}",
            "x-mock-truncate-after", "10");

        assertThat(r.status).isEqualTo(200);
        assertThat(Integer.parseInt(r.headers.get("content-length"))).isGreaterThan(10);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.EOF);
        assertThat(r.body()).hasSize(10).isEqualTo("{\"id\":\"cha");
    }

    @Test
    void shouldInjectOneMalformedEventAndContinue() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", CHAT, "x-mock-malformed-after", "2",
            "x-mock-tokens", "2");

        assertThat(r.chunks).hasSize(6);
        assertThat(r.chunks.get(2).text()).startsWith("data: ").endsWith("\n\n");
        assertThatThrownBy(() -> data(r.chunks.get(2))).isInstanceOf(JsonProcessingException.class);
        assertThat(data(r.chunks.get(3)).at("/choices/0/delta/content").asText()).isEqualTo("quick ");
        assertThat(r.chunks.get(5).text()).isEqualTo("data: [DONE]\n\n");
    }

    @Test
    void shouldMarkRecordCancelledWhenClientClosesMidStream() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "gone",
            "x-mock-tokens", "1000", "x-mock-token-ms", "50"), CHAT);
        final RawHttp.Response r = c.readHead();
        assertThat(r.status).isEqualTo(200);
        await().atMost(WAIT).until(() -> awaitRecord("gone").eventsSent() >= 2);
        c.close();

        await().atMost(WAIT).until(() -> awaitRecord("gone").cancelled());
        final MockRecord rec = awaitRecord("gone");
        assertThat(rec.completed()).isFalse();
        assertThat(rec.closedAtNs()).isGreaterThan(rec.receivedAtNs());
        assertThat(rec.eventsSent()).isLessThan(1003);
    }

    @Test
    void shouldStallAfterHeadersUntilClientGivesUp() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-test-req-id", "stall",
            "x-mock-stall-ms", "-1"), CHAT);
        final RawHttp.Response r = c.readHead();
        assertThat(r.status).isEqualTo(200);
        c.socket.setSoTimeout(300);
        assertThatThrownBy(() -> c.readBody(r)).isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(awaitRecord("stall").eventsSent()).isZero();
        c.close();
        await().atMost(WAIT).until(() -> awaitRecord("stall").cancelled());
    }

    private MockRecord awaitRecord(final String id) {
        return await().atMost(WAIT).until(
            () -> provider.records().stream().filter(r -> r.id().equals(id)).findFirst().orElse(null),
            java.util.Objects::nonNull);
    }
}
