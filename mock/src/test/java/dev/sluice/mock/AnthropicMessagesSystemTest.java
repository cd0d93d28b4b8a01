package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class AnthropicMessagesSystemTest extends MockSystemTestSupport {
    @Test
    void shouldStreamNamedEventsInOrderEndingWithBlankLine() throws IOException {
        final String body = "{\"model\":\"claude-x\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"hi [[mock tokens=2 cached=4]]\"}]}";
        final RawHttp.Response r = post("/v1/messages", body, "authorization", "Bearer sk-ant-test",
            "anthropic-version", "2026-10-21");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.headers.get("request-id")).startsWith("req_");
        assertThat(r.headers).doesNotContainKey("x-request-id");
        assertThat(r.headers.get("content-type")).isEqualTo("text/event-stream");
        final List<String> types = new ArrayList<>();
        for (final RawHttp.Chunk c : r.chunks) {
            final String text = c.text();
            assertThat(text).startsWith("event: ").endsWith("\n\n");
            final String name = text.substring(7, text.indexOf('\n'));
            assertThat(data(c).get("type").asText()).isEqualTo(name);
            types.add(name);
        }
        assertThat(types).containsExactly("message_start", "content_block_start", "ping", "content_block_delta",
            "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        final JsonNode start = data(r.chunks.get(0)).get("message");
        assertThat(start.get("model").asText()).isEqualTo("claude-x");
        assertThat(start.get("stop_reason").isNull()).isTrue();
        final int prompt = body.length() / 4;
        assertThat(start.at("/usage/input_tokens").asInt()).isEqualTo(prompt - 4);
        assertThat(start.at("/usage/cache_read_input_tokens").asInt()).isEqualTo(4);
        assertThat(r.chunks.get(2).text()).isEqualTo("event: ping\ndata: {\"type\": \"ping\"}\n\n");
        assertThat(r.chunks.get(3).text()).isEqualTo("event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
            + "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"the \"}}\n\n");
        assertThat(r.chunks.get(6).text()).isEqualTo("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
            + "{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n");
        assertThat(r.body()).endsWith("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
            .doesNotContain("[DONE]");
    }

    @Test
    void shouldEchoTheUserTextInEventsOfTheAskedSize() throws IOException {
        final String text = "write to ann@example.org today";
        final String body = "{\"model\":\"claude-x\",\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":"
            + "\"user\",\"content\":\"" + text + " [[mock echo=4]]\"}]}";
        final RawHttp.Response r = post("/v1/messages", body, "x-api-key", "sk-ant-test");

        assertThat(r.status).isEqualTo(200);
        final StringBuilder joined = new StringBuilder();
        final List<String> deltas = new ArrayList<>();
        for (final RawHttp.Chunk c : r.chunks) {
            final JsonNode d = data(c);
            if (d != null && "text_delta".equals(d.at("/delta/type").asText())) {
                deltas.add(d.at("/delta/text").asText());
                joined.append(d.at("/delta/text").asText());
            }
        }
        assertThat(joined.toString()).isEqualTo(text);
        assertThat(deltas).hasSize(8).allSatisfy(t -> assertThat(t.length()).isLessThanOrEqualTo(4));

        final String json = "{\"model\":\"claude-x\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"" + text + " [[mock echo=4]]\"}]}";
        assertThat(json(post("/v1/messages", json, "x-api-key", "sk-ant-test").body()).at("/content/0/text").asText())
            .isEqualTo(text);
    }

    @Test
    void shouldAnswerJsonWithMaxTokensStopReasonForXApiKey() throws IOException {
        final String body = "{\"model\":\"mock-claude\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"text\",\"text\":\"[[mock tokens=10]]\"}]}]}";
        final RawHttp.Response r = post("/v1/messages", body, "x-api-key", "sk-ant-test");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.headers).containsKey("request-id");
        final JsonNode j = json(r.body());
        assertThat(j.get("type").asText()).isEqualTo("message");
        assertThat(j.get("role").asText()).isEqualTo("assistant");
        assertThat(j.get("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(j.at("/content/0/type").asText()).isEqualTo("text");
        assertThat(j.at("/content/0/text").asText()).isEqualTo("the quick brown ");
        assertThat(j.at("/usage/output_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void shouldAnswerEndTurnBelowLimit() throws IOException {
        final JsonNode j = json(post("/v1/messages", "{\"model\":\"c\",\"max_tokens\":1000,\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"x\"}]}", "authorization", "Bearer k").body());

        assertThat(j.get("stop_reason").asText()).isEqualTo("end_turn");
        assertThat(j.at("/usage/output_tokens").asInt()).isEqualTo(12);
    }

    @Test
    void shouldAnswerErrorsInAnthropicFormat() throws IOException {
        final RawHttp.Response r = post("/v1/messages", "{\"model\":\"c\",\"max_tokens\":10,\"messages\":[]}",
            "x-mock-status", "529");

        assertThat(r.status).isEqualTo(529);
        assertThat(r.headers).containsEntry("x-should-retry", "false");
        final JsonNode j = json(r.body());
        assertThat(j.get("type").asText()).isEqualTo("error");
        assertThat(j.at("/error/type").asText()).isEqualTo("overloaded_error");
        assertThat(j.get("request_id").asText()).isEqualTo(r.headers.get("request-id"));

        final RawHttp.Response missing = post("/v1/messages", "{\"model\":\"c\",\"messages\":[]}");
        assertThat(missing.status).isEqualTo(400);
        assertThat(json(missing.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(json(missing.body()).at("/error/message").asText()).contains("max_tokens");
    }
}
