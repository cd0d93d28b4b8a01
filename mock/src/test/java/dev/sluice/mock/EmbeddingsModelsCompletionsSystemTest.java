package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@Timeout(20)
class EmbeddingsModelsCompletionsSystemTest extends MockSystemTestSupport {
    @Test
    void shouldEncodeBase64LittleEndianFloat32MatchingFloatArray() throws IOException {
        final JsonNode b64 = json(post("/v1/embeddings", "{\"model\":\"mock-embed\",\"input\":[\"alpha\",\"beta\"],"
            + "\"dimensions\":16,\"encoding_format\":\"base64\"}").body());
        final JsonNode floats = json(post("/v1/embeddings", "{\"model\":\"mock-embed\",\"input\":\"beta\","
            + "\"dimensions\":16}").body());

        assertThat(b64.get("object").asText()).isEqualTo("list");
        assertThat(b64.get("data").size()).isEqualTo(2);
        final byte[] raw = Base64.getDecoder().decode(b64.at("/data/1/embedding").asText());
        assertThat(raw).hasSize(4 * 16);
        final ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        final JsonNode vector = floats.at("/data/0/embedding");
        assertThat(vector.size()).isEqualTo(16);
        double norm = 0;
        for (int i = 0; i < 16; i++) {
            final float f = le.getFloat();
            assertThat(f).isEqualTo((float) vector.get(i).asDouble());
            norm += f * f;
        }
        assertThat(norm).isCloseTo(1.0, within(1e-4));
        assertThat(b64.at("/data/1/index").asInt()).isEqualTo(1);
        assertThat(b64.at("/usage/prompt_tokens").asInt()).isPositive();
    }

    @Test
    void shouldBeDeterministicAndDefaultToEightDimensions() throws IOException {
        final String body = "{\"model\":\"e\",\"input\":\"same text\"}";
        final JsonNode a = json(post("/v1/embeddings", body).body());
        final JsonNode b = json(post("/v1/embeddings", body).body());
        final JsonNode other = json(post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"other text\"}").body());

        assertThat(a.at("/data/0/embedding").size()).isEqualTo(8);
        assertThat(a.at("/data/0/embedding")).isEqualTo(b.at("/data/0/embedding"));
        assertThat(a.at("/data/0/embedding")).isNotEqualTo(other.at("/data/0/embedding"));
        assertThat(a.get("model").asText()).isEqualTo("e");
    }

    @Test
    void shouldListAndRetrieveModels() throws IOException {
        final RawHttp.Response list = get("/v1/models");
        final JsonNode j = json(list.body());
        assertThat(list.status).isEqualTo(200);
        assertThat(j.get("object").asText()).isEqualTo("list");
        assertThat(j.get("data").findValuesAsText("id"))
            .containsExactly("mock-gpt", "mock-gpt-mini", "mock-embed", "mock-claude");
        assertThat(j.at("/data/0/object").asText()).isEqualTo("model");

        final JsonNode one = json(get("/v1/models/mock-claude").body());
        assertThat(one.get("id").asText()).isEqualTo("mock-claude");

        final RawHttp.Response missing = get("/v1/models/nope");
        assertThat(missing.status).isEqualTo(404);
        assertThat(json(missing.body()).at("/error/code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void shouldStreamTextCompletionChunksEndingWithDone() throws IOException {
        final RawHttp.Response r = post("/v1/completions", "{\"model\":\"inst\",\"prompt\":\"say [[mock tokens=2]]\","
            + "\"stream\":true}");

        assertThat(r.chunks).hasSize(4);
        assertThat(data(r.chunks.get(0)).get("object").asText()).isEqualTo("text_completion");
        assertThat(data(r.chunks.get(0)).at("/choices/0/text").asText()).isEqualTo("the ");
        assertThat(data(r.chunks.get(1)).at("/choices/0/text").asText()).isEqualTo("quick ");
        assertThat(data(r.chunks.get(2)).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(r.chunks.get(3).text()).isEqualTo("data: [DONE]\n\n");
        assertThat(r.body()).doesNotContain("usage");
    }

    @Test
    void shouldAnswerCompletionJsonWithLengthAtMaxTokens() throws IOException {
        final JsonNode j = json(post("/v1/completions", "{\"model\":\"inst\",\"prompt\":[\"a\",\"[[mock tokens=5]]\"],"
            + "\"max_tokens\":5}").body());

        assertThat(j.get("object").asText()).isEqualTo("text_completion");
        assertThat(j.at("/choices/0/text").asText()).isEqualTo("the quick brown fox jumps ");
        assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(5);
    }
}
