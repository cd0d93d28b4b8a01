package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LastUserTextTest {
    private static JsonNode json(final String s) throws Exception {
        return Json.MAPPER.readTree(s);
    }

    @Test
    void shouldTakeLastUserMessageOfChatAndAnthropic() throws Exception {
        final JsonNode chat = json("{\"messages\":[{\"role\":\"user\",\"content\":\"first\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\"},"
            + "{\"type\":\"text\",\"text\":\"b\"}]},{\"role\":\"assistant\",\"content\":\"c\"}]}");

        assertThat(LastUserText.of("/v1/chat/completions", chat)).isEqualTo("a\nb");
        assertThat(LastUserText.of("/v1/messages", chat)).isEqualTo("a\nb");
    }

    @Test
    void shouldTakeResponsesInputStringOrLastItem() throws Exception {
        assertThat(LastUserText.of("/v1/responses", json("{\"input\":\"hello\"}"))).isEqualTo("hello");
        assertThat(LastUserText.of("/v1/responses", json("{\"input\":[{\"role\":\"user\",\"content\":\"x\"},"
            + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"y\"}]},"
            + "{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"z\"}]}"))).isEqualTo("y");
    }

    @Test
    void shouldTakeCompletionsPromptAndEmbeddingsInput() throws Exception {
        assertThat(LastUserText.of("/v1/completions", json("{\"prompt\":[\"a\",\"b\"]}"))).isEqualTo("b");
        assertThat(LastUserText.of("/v1/embeddings", json("{\"input\":\"e\"}"))).isEqualTo("e");
        assertThat(LastUserText.of("/v1/embeddings", json("{\"input\":[1,2,3]}"))).isNull();
        assertThat(LastUserText.of("/v1/models", json("{}"))).isNull();
    }
}
