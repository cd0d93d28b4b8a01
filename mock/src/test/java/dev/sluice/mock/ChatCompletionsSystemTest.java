package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(20)
class ChatCompletionsSystemTest extends MockSystemTestSupport {
    private static final String STREAM_BODY =
        "{\"model\":\"my-model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void shouldStreamExactChunksWithoutUsageKeyWhenNotAsked() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", STREAM_BODY, "x-mock-tokens", "3");

        assertThat(r.status).isEqualTo(200);
        assertThat(r.headers).containsEntry("content-type", "text/event-stream")
            .containsEntry("cache-control", "no-cache").containsEntry("transfer-encoding", "chunked")
            .containsKey("x-request-id");
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        final JsonNode first = data(r.chunks.get(0));
        final String head = "data: {\"id\":\"" + first.get("id").asText() + "\",\"object\":\"chat.completion.chunk\","
            + "\"created\":" + first.get("created").asLong() + ",\"model\":\"my-model\",\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_sluicemock\",\"choices\":[";
        assertThat(r.body()).isEqualTo(
            head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + head + "{\"index\":0,\"delta\":{\"content\":\"the \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + head + "{\"index\":0,\"delta\":{\"content\":\"quick \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + head + "{\"index\":0,\"delta\":{\"content\":\"brown \"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
                + head + "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n"
                + "data: [DONE]\n\n");
        assertThat(r.body()).doesNotContain("usage");
        assertThat(r.chunks).hasSize(6);
    }

    @Test
    void shouldStreamUsageNullOnEveryChunkAndFinalUsageChunkWhenAsked() throws IOException {
        final String body = "{\"model\":\"mock-gpt\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}";
        final RawHttp.Response r = post("/v1/chat/completions", body, "x-mock-tokens", "2", "x-mock-cached", "5");

        final JsonNode first = data(r.chunks.get(0));
        final String head = "data: {\"id\":\"" + first.get("id").asText() + "\",\"object\":\"chat.completion.chunk\","
            + "\"created\":" + first.get("created").asLong() + ",\"model\":\"mock-gpt\",\"service_tier\":\"default\","
            + "\"system_fingerprint\":\"fp_sluicemock\",\"choices\":[";
        final int prompt = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length / 4;
        assertThat(r.body()).isEqualTo(
            head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
                + head + "{\"index\":0,\"delta\":{\"content\":\"the \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
                + head + "{\"index\":0,\"delta\":{\"content\":\"quick \"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n"
                + head + "{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                + head + "],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":2,\"total_tokens\":"
                + (prompt + 2) + ",\"prompt_tokens_details\":{\"cached_tokens\":5,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
                + "data: [DONE]\n\n");
    }

    @Test
    void shouldAnswerJsonWithUsageAndStopReason() throws IOException {
        final String body = "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
        final RawHttp.Response r = post("/v1/chat/completions", body);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.headers.get("content-type")).isEqualTo("application/json");
        assertThat(r.headers.get("x-request-id")).startsWith("req_");
        final JsonNode j = json(r.body());
        assertThat(j.get("object").asText()).isEqualTo("chat.completion");
        assertThat(j.get("model").asText()).isEqualTo("gpt-x");
        assertThat(j.at("/choices/0/message/role").asText()).isEqualTo("assistant");
        assertThat(j.at("/choices/0/message/content").asText())
            .isEqualTo("the quick brown fox jumps over a lazy dog and then rests ");
        assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(12);
        assertThat(j.at("/usage/prompt_tokens").asInt()).isEqualTo(body.length() / 4);
        assertThat(j.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isZero();
        assertThat(r.body()).startsWith("{\"id\":\"chatcmpl-");
    }

    @Test
    void shouldFinishWithLengthWhenMaxTokensReached() throws IOException {
        final String body = "{\"model\":\"m\",\"max_completion_tokens\":4,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"[[mock tokens=40]]\"}]}";
        final JsonNode j = json(post("/v1/chat/completions", body).body());

        assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(4);
        assertThat(j.at("/choices/0/message/content").asText()).isEqualTo("the quick brown fox ");
    }

    @Test
    void shouldReadDirectiveFromTextPartsOfLastUserMessage() throws IOException {
        final String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock tokens=9]]\"},"
            + "{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
            + "\"text\":\"please [[mock tokens=2 cached=3]] answer\"}]}]}";
        final JsonNode j = json(post("/v1/chat/completions", body).body());

        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(2);
        assertThat(j.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void shouldLetHeaderWinOverDirective() throws IOException {
        final String body = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock tokens=9 cached=2]]\"}]}";
        final JsonNode j = json(post("/v1/chat/completions", body, "x-mock-tokens", "1").body());

        assertThat(j.at("/usage/completion_tokens").asInt()).isEqualTo(1);
        assertThat(j.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(2);
    }

    @Test
    void shouldRejectMoreThanOneChoice() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions",
            "{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

        assertThat(r.status).isEqualTo(400);
        assertThat(json(r.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.headers).containsEntry("x-should-retry", "false");
    }

    @Test
    void shouldRejectInvalidJsonAndUnknownDirectiveParameter() throws IOException {
        final RawHttp.Response bad = post("/v1/chat/completions", "{\"model\":");
        assertThat(bad.status).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/code").asText()).isEqualTo("invalid_json");

        final RawHttp.Response typo = post("/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"[[mock tokns=3]]\"}]}");
        assertThat(typo.status).isEqualTo(400);
        assertThat(json(typo.body()).at("/error/message").asText()).startsWith("unknown mock parameter: tokns");
    }

    @Test
    void shouldAnswerUnknownPathWith404InOpenAiFormat() throws IOException {
        final RawHttp.Response r = post("/v1/nothing", "{}");

        assertThat(r.status).isEqualTo(404);
        final JsonNode e = json(r.body()).get("error");
        assertThat(e.get("message").asText()).contains("/v1/nothing");
        assertThat(e.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(e.has("param")).isTrue();
        assertThat(r.headers).containsKey("x-request-id").containsEntry("x-should-retry", "false");
    }
}
