package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class ResponsesSystemTest extends MockSystemTestSupport {
    @Test
    void shouldStreamFullEventSequenceWithSequenceNumbersFromZero() throws IOException {
        final String body = "{\"model\":\"gpt-r\",\"stream\":true,\"input\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"input_text\",\"text\":\"[[mock tokens=2]]\"}]}]}";
        final RawHttp.Response r = post("/v1/responses", body);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        final List<String> types = new ArrayList<>();
        String responseId = null;
        String itemId = null;
        for (int i = 0; i < r.chunks.size(); i++) {
            final String text = r.chunks.get(i).text();
            assertThat(text).startsWith("event: ").endsWith("\n\n");
            final JsonNode d = data(r.chunks.get(i));
            assertThat(d.get("sequence_number").asInt()).isEqualTo(i);
            assertThat(text.substring(7, text.indexOf('\n'))).isEqualTo(d.get("type").asText());
            types.add(d.get("type").asText());
            if (d.has("response")) {
                responseId = responseId == null ? d.at("/response/id").asText() : responseId;
                assertThat(d.at("/response/id").asText()).isEqualTo(responseId);
            }
            if (d.has("item_id")) {
                assertThat(d.get("item_id").asText()).isEqualTo(itemId);
            }
            if (d.has("item")) {
                itemId = d.at("/item/id").asText();
            }
        }
        assertThat(types).containsExactly("response.created", "response.in_progress", "response.output_item.added",
            "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done",
            "response.completed");
        assertThat(r.body()).doesNotContain("[DONE]");
        final JsonNode created = data(r.chunks.get(0)).get("response");
        assertThat(created.get("status").asText()).isEqualTo("in_progress");
        assertThat(created.get("output").size()).isZero();
        assertThat(created.get("usage").isNull()).isTrue();
        assertThat(data(r.chunks.get(6)).get("text").asText()).isEqualTo("the quick ");
        final JsonNode done = data(r.chunks.get(9)).get("response");
        assertThat(done.get("status").asText()).isEqualTo("completed");
        assertThat(done.at("/output/0/content/0/text").asText()).isEqualTo("the quick ");
        assertThat(done.at("/usage/output_tokens").asInt()).isEqualTo(2);
        assertThat(done.get("model").asText()).isEqualTo("gpt-r");
    }

    @Test
    void shouldAnswerJsonWithOutputArray() throws IOException {
        final JsonNode j = json(post("/v1/responses", "{\"model\":\"m\",\"input\":\"hi [[mock tokens=3]]\","
            + "\"instructions\":\"be brief\"}").body());

        assertThat(j.get("object").asText()).isEqualTo("response");
        assertThat(j.get("status").asText()).isEqualTo("completed");
        assertThat(j.get("instructions").asText()).isEqualTo("be brief");
        assertThat(j.get("output").isArray()).isTrue();
        assertThat(j.at("/output/0/type").asText()).isEqualTo("message");
        assertThat(j.at("/output/0/content/0/type").asText()).isEqualTo("output_text");
        assertThat(j.at("/output/0/content/0/text").asText()).isEqualTo("the quick brown ");
        assertThat(j.at("/usage/output_tokens").asInt()).isEqualTo(3);
        assertThat(j.at("/usage/total_tokens").asInt())
            .isEqualTo(j.at("/usage/input_tokens").asInt() + 3);
    }

    @Test
    void shouldEndIncompleteWhenMaxOutputTokensReached() throws IOException {
        final RawHttp.Response r = post("/v1/responses", "{\"model\":\"m\",\"stream\":true,\"max_output_tokens\":2,"
            + "\"input\":\"x\"}");

        final JsonNode last = data(r.chunks.get(r.chunks.size() - 1));
        assertThat(last.get("type").asText()).isEqualTo("response.incomplete");
        assertThat(last.at("/response/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    }
}
