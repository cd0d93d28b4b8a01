package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class AnswerFaultsSystemTest extends MockSystemTestSupport {
    private static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
        + "\"days\":{\"type\":\"integer\"}}}}}]";
    private static final String ANTHROPIC_TOOLS = ",\"tools\":[{\"name\":\"get_weather\",\"input_schema\":"
        + "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"number\"}}}}]";

    private static String chat(final boolean stream, final String extra, final String directive) {
        return "{\"model\":\"m\",\"stream\":" + stream + ",\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"[[mock " + directive + "]]\"}]" + extra + '}';
    }

    private static String messages(final boolean stream, final String extra, final String directive) {
        return "{\"model\":\"c\",\"max_tokens\":100,\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"[[mock " + directive + "]]\"}]" + extra + '}';
    }

    private static List<JsonNode> dataOf(final RawHttp.Response r) throws IOException {
        final List<JsonNode> out = new ArrayList<>();
        for (final RawHttp.Chunk c : r.chunks) {
            if (!c.text().contains("[DONE]")) {
                out.add(data(c));
            }
        }
        return out;
    }

    private static long usageChunks(final RawHttp.Response r) throws IOException {
        return dataOf(r).stream().filter(j -> j.has("usage") && !j.get("usage").isNull()).count();
    }

    @Test
    void shouldReportNoUsageAtAllWithUsageNone() throws IOException {
        final RawHttp.Response stream = post("/v1/chat/completions", chat(true, "", "usage=none tokens=2"));
        assertThat(stream.body()).doesNotContain("usage").endsWith("data: [DONE]\n\n");
        assertThat(json(post("/v1/chat/completions", chat(false, "", "usage=none")).body()).has("usage")).isFalse();

        final RawHttp.Response a = post("/v1/messages", messages(true, "", "usage=none tokens=2"));
        assertThat(a.body()).doesNotContain("usage").contains("event: message_stop");
        assertThat(json(post("/v1/messages", messages(false, "", "usage=none")).body()).has("usage")).isFalse();
    }

    @Test
    void shouldReportZeroNegativeAndAbsurdUsage() throws IOException {
        final JsonNode zero = json(post("/v1/chat/completions", chat(false, "", "usage=zero")).body()).get("usage");
        assertThat(zero.get("prompt_tokens").asLong()).isZero();
        assertThat(zero.get("completion_tokens").asLong()).isZero();
        assertThat(zero.get("total_tokens").asLong()).isZero();

        final RawHttp.Response negative = post("/v1/chat/completions", chat(true, "", "usage=negative tokens=1"));
        final JsonNode usage = dataOf(negative).get(dataOf(negative).size() - 1).get("usage");
        assertThat(usage.get("prompt_tokens").asLong()).isEqualTo(-5);
        assertThat(usage.get("completion_tokens").asLong()).isEqualTo(-5);

        final JsonNode absurd = json(post("/v1/messages", messages(false, "", "usage=absurd")).body()).get("usage");
        assertThat(absurd.get("input_tokens").asLong()).isEqualTo(1_000_000_000_000_000L);
        assertThat(absurd.get("output_tokens").asLong()).isEqualTo(1_000_000_000_000_000L);
        final RawHttp.Response absurdStream = post("/v1/messages", messages(true, "", "usage=absurd tokens=1"));
        assertThat(absurdStream.body()).contains("\"usage\":{\"output_tokens\":1000000000000000}}");
    }

    @Test
    void shouldDuplicateTheUsageChunkAndEvent() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", chat(true, "", "usage=dup tokens=1"));
        assertThat(usageChunks(r)).isEqualTo(2);
        assertThat(r.chunks.get(r.chunks.size() - 2).text()).isEqualTo(r.chunks.get(r.chunks.size() - 3).text());

        final RawHttp.Response a = post("/v1/messages", messages(true, "", "usage=dup tokens=1"));
        assertThat(a.body().split("event: message_delta\n", -1)).hasSize(3);
    }

    @Test
    void shouldPutUsageOnTheFinishChunkWithUsageInChoices() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", chat(true, "", "usage=in_choices tokens=1"));
        final List<JsonNode> chunks = dataOf(r);
        final JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        assertThat(last.at("/usage/completion_tokens").asInt()).isEqualTo(1);
        assertThat(usageChunks(r)).isEqualTo(1);
        assertThat(r.body()).doesNotContain("\"choices\":[]");
    }

    @Test
    void shouldSendOneHugeUnterminatedLineThenStall() throws IOException {
        final int n = 300_000;
        final RawHttp c = client().send("POST", "/v1/chat/completions", headers("x-mock-huge-line", "" + n),
            chat(true, "", "tokens=1"));
        final RawHttp.Response r = c.readHead();
        assertThat(r.status).isEqualTo(200);
        // Read the chunked body by hand: sizes add up to n, content is the line without any newline.
        final InputStream in = c.socket.getInputStream();
        final StringBuilder line = new StringBuilder();
        int total = 0;
        while (total < n) {
            final int size = Integer.parseInt(readLine(in), 16);
            final byte[] chunk = in.readNBytes(size);
            line.append(new String(chunk, java.nio.charset.StandardCharsets.US_ASCII));
            total += size;
            readLine(in);
        }
        assertThat(total).isEqualTo(n);
        assertThat(line.toString()).startsWith("data: {\"pad\":\"aaa").doesNotContain("\n");
        c.socket.setSoTimeout(300);
        assertThatThrownBy(() -> in.read()).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void shouldEndWithTheOpenAiErrorEventAfterNContentEvents() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", chat(true, "", "error_event_after=2 tokens=5"));
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        assertThat(r.chunks).hasSize(4);
        assertThat(data(r.chunks.get(2)).at("/choices/0/delta/content").asText()).isEqualTo("quick ");
        assertThat(r.chunks.get(3).text()).isEqualTo("data: {\"error\":{\"message\":\"The server had an error while "
            + "processing your request.\",\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
    }

    @Test
    void shouldEndWithTheAnthropicErrorEventAfterNContentEvents() throws IOException {
        final RawHttp.Response r = post("/v1/messages", messages(true, "", "error_event_after=1 tokens=5"));
        assertThat(r.ending).isEqualTo(RawHttp.Ending.COMPLETE);
        // message_start, content_block_start, ping, one delta, then the error.
        assertThat(r.chunks).hasSize(5);
        assertThat(r.chunks.get(3).text()).contains("\"text\":\"the \"");
        assertThat(r.chunks.get(4).text()).isEqualTo("event: error\ndata: {\"type\": \"error\", \"error\": "
            + "{\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n");
        assertThat(r.body()).doesNotContain("message_stop");
    }

    @Test
    void shouldStreamOpenAiToolCallsInFragments() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", chat(true, TOOLS, "tool_call=2"));
        final List<JsonNode> chunks = dataOf(r);
        final JsonNode first = chunks.get(0).at("/choices/0/delta");
        assertThat(first.get("role").asText()).isEqualTo("assistant");
        assertThat(first.get("content").isNull()).isTrue();
        assertThat(first.at("/tool_calls/0/index").asInt()).isZero();
        assertThat(first.at("/tool_calls/0/id").asText()).startsWith("call_");
        assertThat(first.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(first.at("/tool_calls/0/function/arguments").asText()).isEmpty();
        final StringBuilder[] args = {new StringBuilder(), new StringBuilder()};
        final List<String> ids = new ArrayList<>();
        ids.add(first.at("/tool_calls/0/id").asText());
        int fragments = 0;
        for (final JsonNode c : chunks.subList(1, chunks.size())) {
            final JsonNode call = c.at("/choices/0/delta/tool_calls/0");
            if (call.isMissingNode()) {
                continue;
            }
            if (call.has("id")) {
                ids.add(call.get("id").asText());
            } else {
                fragments++;
                args[call.get("index").asInt()].append(call.at("/function/arguments").asText());
            }
        }
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        assertThat(args[0].toString()).isEqualTo("{\"city\":\"x\",\"days\":1}");
        assertThat(args[1].toString()).isEqualTo("{\"city\":\"x\",\"days\":1}");
        assertThat(fragments).isGreaterThanOrEqualTo(4);
        assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");

        final JsonNode j = json(post("/v1/chat/completions", chat(false, TOOLS, "tool_call=1")).body());
        assertThat(j.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(j.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(j.at("/choices/0/message/tool_calls/0/function/arguments").asText())
            .isEqualTo("{\"city\":\"x\",\"days\":1}");
        assertThat(post("/v1/chat/completions", chat(false, "", "tool_call=1")).status).isEqualTo(400);
    }

    @Test
    void shouldStreamAnthropicToolUseWithThinkingFirst() throws IOException {
        final RawHttp.Response r = post("/v1/messages", messages(true, ANTHROPIC_TOOLS, "tool_call=1 thinking=1"));
        final String body = r.body();
        assertThat(body).contains("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
            + "\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n");
        assertThat(body).contains("{\"type\":\"thinking_delta\",\"thinking\":\"Let \"}");
        assertThat(body.indexOf("signature_delta")).isLessThan(body.indexOf("{\"type\":\"content_block_stop\","
            + "\"index\":0}"));
        assertThat(body).contains("\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_");
        final StringBuilder partial = new StringBuilder();
        int deltas = 0;
        for (final JsonNode e : dataOf(r)) {
            if ("input_json_delta".equals(e.at("/delta/type").asText())) {
                partial.append(e.at("/delta/partial_json").asText());
                deltas++;
            }
        }
        assertThat(partial.toString()).isEqualTo("{\"city\":\"x\",\"days\":1}");
        assertThat(deltas).isGreaterThanOrEqualTo(3);
        assertThat(body).contains("\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null}");

        final JsonNode j = json(post("/v1/messages", messages(false, ANTHROPIC_TOOLS, "tool_call=2 thinking=1"))
            .body());
        assertThat(j.at("/content/0/type").asText()).isEqualTo("thinking");
        assertThat(j.at("/content/0/signature").asText()).isNotEmpty();
        assertThat(j.at("/content/1/input/days").asInt()).isEqualTo(1);
        assertThat(j.at("/content/2/name").asText()).isEqualTo("get_weather");
        assertThat(j.at("/content/1/id").asText()).isNotEqualTo(j.at("/content/2/id").asText());
        assertThat(j.get("stop_reason").asText()).isEqualTo("tool_use");
    }

    @Test
    void shouldSendOpenAiReasoningContentBeforeTheContent() throws IOException {
        final RawHttp.Response r = post("/v1/chat/completions", chat(true, "", "thinking=1 tokens=1"));
        final List<JsonNode> chunks = dataOf(r);
        assertThat(chunks.get(1).at("/choices/0/delta/reasoning_content").asText()).isEqualTo("Let ");
        assertThat(chunks.get(6).at("/choices/0/delta/content").asText()).isEqualTo("the ");
        assertThat(chunks.get(chunks.size() - 1).at("/usage/completion_tokens_details/reasoning_tokens").asInt())
            .isEqualTo(5);
        final JsonNode j = json(post("/v1/chat/completions", chat(false, "", "thinking=1")).body());
        assertThat(j.at("/choices/0/message/reasoning_content").asText()).isEqualTo("Let me think this through.");
    }

    @Test
    void shouldEndOnTheRequestsFirstStopSequence() throws IOException {
        final JsonNode j = json(post("/v1/messages", messages(false, ",\"stop_sequences\":[\"END\",\"x\"]", "stop=1"))
            .body());
        assertThat(j.get("stop_reason").asText()).isEqualTo("stop_sequence");
        assertThat(j.get("stop_sequence").asText()).isEqualTo("END");
        final RawHttp.Response s = post("/v1/messages", messages(true, ",\"stop_sequences\":[\"END\"]", "stop=1"));
        assertThat(s.body()).contains("\"delta\":{\"stop_reason\":\"stop_sequence\",\"stop_sequence\":\"END\"}");
        assertThat(post("/v1/messages", messages(false, "", "stop=1")).status).isEqualTo(400);

        final JsonNode o = json(post("/v1/chat/completions",
            "{\"model\":\"m\",\"max_tokens\":2,\"stop\":[\"END\"],\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"[[mock stop=1]]\"}]}").body());
        assertThat(o.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    private static String readLine(final InputStream in) throws IOException {
        final StringBuilder sb = new StringBuilder();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            if (b != '\r') {
                sb.append((char) b);
            }
        }
        return sb.toString();
    }
}
