package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorBodiesTest {
    private static final ObjectMapper JACKSON = new ObjectMapper();
    private static final String NASTY = "say \"hi\" \\ path\nline\ttab\u0001\u001f caf\u00e9 \u4e2d \ud83d\ude00 \u2028";

    @ParameterizedTest
    @CsvSource({"400,invalid_request_error,invalid_request_error", "401,invalid_request_error,authentication_error",
        "402,invalid_request_error,billing_error", "403,invalid_request_error,permission_error",
        "404,invalid_request_error,not_found_error", "413,invalid_request_error,request_too_large",
        "422,invalid_request_error,invalid_request_error", "429,requests,rate_limit_error",
        "500,server_error,api_error", "502,server_error,api_error", "503,server_error,overloaded_error",
        "504,server_error,timeout_error", "529,server_error,overloaded_error"})
    void shouldMapStatusToEachDialectsType(int status, String openAiType, String anthropicType) throws Exception {
        JsonNode openAi = JACKSON.readTree(ErrorBodies.json(Dialect.OPENAI, status, "some_code", NASTY, "req_1"));
        assertThat(openAi.size()).isEqualTo(1);
        JsonNode error = openAi.get("error");
        assertThat(error.get("message").textValue()).isEqualTo(NASTY);
        assertThat(error.get("type").textValue()).isEqualTo(openAiType);
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("code").textValue()).isEqualTo("some_code");

        JsonNode anthropic = JACKSON.readTree(ErrorBodies.json(Dialect.ANTHROPIC, status, "some_code", NASTY, "req_1"));
        assertThat(anthropic.get("type").textValue()).isEqualTo("error");
        assertThat(anthropic.get("error").get("type").textValue()).isEqualTo(anthropicType);
        assertThat(anthropic.get("error").get("message").textValue()).isEqualTo(NASTY);
        assertThat(anthropic.get("request_id").textValue()).isEqualTo("req_1");
    }

    @Test
    void shouldWriteExactBytesWithNullsAndQuotaType() {
        assertThat(text(ErrorBodies.json(Dialect.OPENAI, 401, "invalid_api_key", "Bad key", null)))
                .isEqualTo("{\"error\":{\"message\":\"Bad key\",\"type\":\"invalid_request_error\",\"param\":null,"
                        + "\"code\":\"invalid_api_key\"}}");
        assertThat(text(ErrorBodies.json(Dialect.OPENAI, 429, "insufficient_quota", "q", null)))
                .contains("\"type\":\"insufficient_quota\"");
        assertThat(text(ErrorBodies.json(Dialect.OPENAI, 500, null, "x", null))).endsWith("\"code\":null}}");
        assertThat(text(ErrorBodies.json(Dialect.ANTHROPIC, 404, "model_not_found", "No such model", null)))
                .isEqualTo("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"No such model\"},"
                        + "\"request_id\":null}");
        assertThat(text(ErrorBodies.json(Dialect.OPENAI, 400, "c", "\u0001\"\\", null)))
                .contains("\"message\":\"\\u0001\\\"\\\\\"");
        assertThat(ErrorBodies.json(Dialect.OPENAI, 400, "c", "caf\u00e9", null))
                .containsSequence((byte) 0xc3, (byte) 0xa9);
    }

    @Test
    void shouldWriteTheExactStreamErrorEvents() throws Exception {
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.CHAT_COMPLETIONS, null,
                "The server had an error while processing your request.")))
                .isEqualTo("data: {\"error\":{\"message\":\"The server had an error while processing your request.\","
                        + "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n");
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.RESPONSES, "server_error", "The server had an error", 2)))
                .isEqualTo("event: error\ndata: {\"type\":\"error\",\"sequence_number\":2,\"code\":\"server_error\","
                        + "\"message\":\"The server had an error\",\"param\":null}\n\n");
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.RESPONSES, "c", "m")))
                .contains("\"sequence_number\":0,");
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.MESSAGES, "overloaded_error", "Overloaded")))
                .isEqualTo("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                        + "\"message\":\"Overloaded\"}}\n\n");
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.MESSAGES, "timeout_error", "t")))
                .contains("\"type\":\"timeout_error\"");
        assertThat(text(ErrorBodies.streamErrorEvent(Endpoint.MESSAGES, "upstream_reset", "r")))
                .contains("\"type\":\"api_error\"");
        String event = text(ErrorBodies.streamErrorEvent(Endpoint.COMPLETIONS, "x", NASTY));
        assertThat(event).startsWith("data: ").endsWith("}\n\n");
        JsonNode data = JACKSON.readTree(event.substring(6));
        assertThat(data.get("error").get("message").textValue()).isEqualTo(NASTY);
    }

    @Test
    void shouldBeRecognisedAsErrorsByTheSseScanner() {
        for (Endpoint e : new Endpoint[] {Endpoint.CHAT_COMPLETIONS, Endpoint.RESPONSES, Endpoint.MESSAGES}) {
            byte[] event = ErrorBodies.streamErrorEvent(e, "c", NASTY);
            SseScanner scanner = new SseScanner(4096);
            scanner.reset(e);
            int[] got = new int[2];
            io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.wrappedBuffer(event);
            scanner.scan(buf, (end, flags) -> {
                got[0] = end;
                got[1] = flags;
            });
            assertThat(got[0]).as(e.toString()).isEqualTo(event.length);
            assertThat(got[1] & SseScanner.ERROR).as(e.toString()).isEqualTo(SseScanner.ERROR);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
