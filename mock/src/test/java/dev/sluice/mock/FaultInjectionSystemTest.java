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

@Timeout(30)
class FaultInjectionSystemTest extends MockSystemTestSupport {
    private static final String CHAT = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}";

    @Test
    void shouldDelayFirstEventByFirstTokenMs() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-mock-first-token-ms", "200",
            "x-mock-tokens", "1"), CHAT);
        final RawHttp.Response r = c.readHead();
        final long headersAt = System.nanoTime();
        c.readBody(r);

        assertThat(TimeUnit.NANOSECONDS.toMillis(headersAt - c.sentAtNanos)).isLessThan(200);
        assertThat(TimeUnit.NANOSECONDS.toMillis(r.chunks.get(0).atNanos() - c.sentAtNanos)).isGreaterThanOrEqualTo(200);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
    }

    @Test
    void shouldSpaceLaterEventsByTokenMs() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", CHAT, "x-mock-token-ms", "60", "x-mock-tokens", "3");

        assertThat(r.chunks).hasSize(6);
        for (int i = 1; i < r.chunks.size(); i++) {
            final long gapMs = TimeUnit.NANOSECONDS.toMillis(r.chunks.get(i).atNanos() - r.chunks.get(i - 1).atNanos());
            assertThat(gapMs).as("gap before event %d", i).isGreaterThanOrEqualTo(30);
        }
        final long spanMs = TimeUnit.NANOSECONDS.toMillis(r.chunks.get(5).atNanos() - r.chunks.get(0).atNanos());
        assertThat(spanMs).isGreaterThanOrEqualTo(5 * 60 - 20);
    }

    @Test
    void shouldDelayWholeJsonAnswerByFirstTokenMs() throws IOException {
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-mock-first-token-ms", "150"),
            "{\"model\":\"m\",\"messages\":[]}");
        final RawHttp.Response r = c.readHead();

        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - c.sentAtNanos)).isGreaterThanOrEqualTo(150);
        assertThat(r.status).isEqualTo(200);
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
            "x-mock-tokens", "100", "x-mock-token-ms", "50"), CHAT);
        final RawHttp.Response r = c.readHead();
        assertThat(r.status).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> awaitRecord("gone").eventsSent() >= 2);
        c.close();

        await().atMost(Duration.ofSeconds(5)).until(() -> awaitRecord("gone").cancelled());
        final MockRecord rec = awaitRecord("gone");
        assertThat(rec.completed()).isFalse();
        assertThat(rec.closedAtNanos()).isGreaterThan(rec.receivedAtNanos());
        assertThat(rec.eventsSent()).isLessThan(103);
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
        await().atMost(Duration.ofSeconds(5)).until(() -> awaitRecord("stall").cancelled());
    }

    private MockRecord awaitRecord(final String id) {
        return await().atMost(Duration.ofSeconds(5)).until(
            () -> provider.records().stream().filter(r -> r.id().equals(id)).findFirst().orElse(null),
            java.util.Objects::nonNull);
    }
}
