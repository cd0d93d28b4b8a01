package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.mock.internal.RecordsEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class RecordsSystemTest extends MockSystemTestSupport {
    private static final String BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void shouldRecordRequestAndOutcome() throws IOException {
        final long before = System.nanoTime();
        post("/v1/chat/completions?x=1", BODY, "X-Test-Req-Id", "t-1", "Authorization", "Bearer secret");
        post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}");

        await().atMost(Duration.ofSeconds(30)).until(() -> provider.records().size() == 2
            && provider.records().get(1).completed());
        final List<MockRecord> records = provider.records();
        final MockRecord r = records.get(0);
        assertThat(r.id()).isEqualTo("t-1");
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.headers()).containsEntry("authorization", "Bearer secret").containsEntry("x-test-req-id", "t-1");
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo(BODY.getBytes(StandardCharsets.UTF_8));
        assertThat(r.receivedAtNs()).isGreaterThanOrEqualTo(before);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.completed()).isTrue();
        assertThat(r.cancelled()).isFalse();
        assertThat(r.closedAtNs()).isEqualTo(-1);
        assertThat(records.get(1).id()).isEqualTo("2");
        assertThat(r.toString()).doesNotContain("secret");
    }

    @Test
    void shouldServeRecordsAsJsonWithBodyHashAndClearThem() throws IOException {
        post("/v1/chat/completions", BODY, "x-test-req-id", "j-1", "x-api-key", "k1", "x-mock-status", "500");
        await().atMost(Duration.ofSeconds(30)).until(() -> provider.records().get(0).completed());

        final RawHttp.Response r = get("/_mock/records");
        assertThat(r.status).isEqualTo(200);
        final JsonNode array = json(r.body());
        assertThat(array.size()).isEqualTo(1);
        final JsonNode rec = array.get(0);
        assertThat(rec.get("id").asText()).isEqualTo("j-1");
        assertThat(rec.get("status").asInt()).isEqualTo(500);
        assertThat(rec.has("body")).isFalse();
        assertThat(rec.get("body_sha256").asText())
            .isEqualTo(RecordsEndpoint.sha256(BODY.getBytes(StandardCharsets.UTF_8)));
        assertThat(rec.at("/headers/x-api-key").asText())
            .isEqualTo("sha256:" + RecordsEndpoint.sha256("k1".getBytes(StandardCharsets.UTF_8)));
        assertThat(rec.get("completed").asBoolean()).isTrue();

        final RawHttp.Response cleared = client().send("DELETE", "/_mock/records", headers(), null).read();
        assertThat(cleared.status).isEqualTo(200);
        assertThat(provider.records()).isEmpty();
        provider.clearRecords();
        assertThat(json(get("/_mock/records").body()).size()).isZero();
    }

    @Test
    void shouldReportBaseUrlOnLoopback() {
        assertThat(provider.baseUrl()).isEqualTo("http://127.0.0.1:" + provider.port());
        assertThat(provider.port()).isPositive();
    }
}
