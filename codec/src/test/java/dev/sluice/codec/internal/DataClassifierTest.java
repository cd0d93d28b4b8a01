package dev.sluice.codec.internal;

import static dev.sluice.codec.internal.DataClassifier.CONTENT;
import static dev.sluice.codec.internal.DataClassifier.PLAIN;
import static dev.sluice.codec.internal.DataClassifier.UNSURE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.codec.Endpoint;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DataClassifierTest {
    private static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
            + "\"model\":\"m\",\"choices\":[{\"index\":0,";

    /** Classifies {@code json} as the data line of an event named {@code event} (empty: none) on {@code e}. */
    private static int classify(Endpoint e, String event, String json) {
        byte[] text = json.getBytes(StandardCharsets.UTF_8);
        // The bytes sit after a "data: " prefix, with stale bytes behind them as in a reused window.
        byte[] bytes = new byte[8 + 6 + text.length + Swar.SLACK_BYTES];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, bytes, 8, 6);
        System.arraycopy(text, 0, bytes, 14, text.length);
        java.util.Arrays.fill(bytes, 14 + text.length, bytes.length, (byte) '"');
        byte[] name = event.getBytes(StandardCharsets.US_ASCII);
        DataClassifier c = new DataClassifier();
        c.reset(e);
        return c.classify(bytes, 14, 14 + text.length, Words.lookupAt(name, 0, name.length));
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // The common shapes are decided without the lexer.
        "1 | `\"delta\":{\"content\":\"Hel\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}`",
        "0 | `\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"finish_reason\":null}]}`",
        "1 | `\"delta\":{\"refusal\":\"no\"},\"finish_reason\":null}]}`",
        "1 | `\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}`",
        "0 | `\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}`",
        "0 | `\"delta\":{\"reasoning_content\":\"hmm\"},\"finish_reason\":null}]}`",
        "1 | `\"delta\":{\"content\":\"an \\\"error\\\" with \\\"usage\\\":{\\\"prompt_tokens\\\":1}\"}}]}`",
        "0 | `\"delta\":{},\"finish_reason\" : null }]}`",
        // Anything the extractor could act on goes to the lexer.
        "-1 | `\"delta\":{},\"finish_reason\":\"stop\"}]}`",
        "-1 | `\"delta\":{},\"finish_reason\":null \"stop\"}]}`",
        "-1 | `\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]}`",
        "-1 | `\"delta\":{\"content\":\"error\"}}]}`",
        "-1 | `\"delta\":{}}],\"usage\":{\"prompt_tokens\":3}}`",
        "-1 | `\"delta\":{}}],\"error\":{\"message\":\"boom\"}}`",
        "-1 | `\"delta\":{}}],\"x\":[ ]}`",
        "-1 | `\"delta\":{\"content\": \"spaced\"}}]}`",
    })
    void shouldClassifyChatChunks(int expected, String tail) {
        assertThat(classify(Endpoint.CHAT_COMPLETIONS, "", HEAD + tail)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "MESSAGES | content_block_delta | 0 | `{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}`",
        "MESSAGES | ping | 0 | `{\"type\": \"ping\"}`",
        "MESSAGES | message_stop | 0 | `{\"type\":\"message_stop\"}`",
        "MESSAGES | '' | -1 | `{\"type\":\"message_stop\"}`",
        "MESSAGES | message_delta | -1 | `{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}`",
        "MESSAGES | message_start | -1 | `{\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25}}}`",
        "MESSAGES | error | -1 | `{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}`",
        "RESPONSES | response.output_text.delta | 0 | `{\"type\":\"response.output_text.delta\",\"sequence_number\":4,\"item_id\":\"msg_1\",\"output_index\":0,\"content_index\":0,\"delta\":\"Hel\",\"logprobs\":[]}`",
        "RESPONSES | response.output_item.added | -1 | `{\"type\":\"response.output_item.added\",\"item\":{\"type\":\"function_call\"}}`",
        "RESPONSES | response.completed | -1 | `{\"type\":\"response.completed\",\"response\":{\"status\":\"completed\"}}`",
        "COMPLETIONS | '' | 1 | `{\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"This\",\"index\":0,\"finish_reason\":null}]}`",
        "COMPLETIONS | '' | -1 | `{\"id\":\"cmpl-1\",\"choices\":[{\"text\":\"\",\"index\":0,\"finish_reason\":\"length\"}]}`",
    })
    void shouldClassifyOtherDialects(Endpoint e, String event, int expected, String json) {
        assertThat(classify(e, event, json)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`{}`", "`\"\"`", "`[DONE]`", "`{\"a\":\"\\\\\"}`",
    })
    void shouldFindNothingInDataWithoutKnownWords(String json) {
        assertThat(classify(Endpoint.CHAT_COMPLETIONS, "", json)).isEqualTo(PLAIN);
        assertThat(classify(Endpoint.MESSAGES, "ping", json)).isEqualTo(PLAIN);
    }
}
