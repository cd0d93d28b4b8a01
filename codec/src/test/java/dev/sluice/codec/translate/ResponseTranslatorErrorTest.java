package dev.sluice.codec.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.codec.Dialect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Error bodies and statuses through {@link ResponseTranslator} (PROVIDERS.md 4.1, 5.6, 6.6). */
class ResponseTranslatorErrorTest {

    /** The PROVIDERS.md 6.6 table, Anthropic to OpenAI: status, type, the OpenAI status, type and code. */
    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
        "400,invalid_request_error,400,invalid_request_error,null",
        "401,authentication_error,401,invalid_request_error,invalid_api_key",
        "402,billing_error,402,invalid_request_error,insufficient_quota",
        "403,permission_error,403,invalid_request_error,null",
        "404,not_found_error,404,invalid_request_error,null",
        "413,request_too_large,413,invalid_request_error,null",
        "429,rate_limit_error,429,requests,rate_limit_exceeded",
        "500,api_error,500,server_error,null",
        "504,timeout_error,504,server_error,null",
        "529,overloaded_error,503,server_error,null"})
    void shouldMapAnthropicErrorsForOpenAiClients(int status, String type, int openAiStatus, String openAiType,
            String code) {
        String message = "Upstream said \"no\" to caf\u00e9";
        String body = "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"Upstream said \\\"no\\\" "
                + "to caf\u00e9\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}";
        assertThat(ResponseTranslator.translateErrorStatus(status, Dialect.ANTHROPIC, Dialect.OPENAI))
                .isEqualTo(openAiStatus);
        JsonNode out = WholeBodies.error(status, body, Dialect.ANTHROPIC, Dialect.OPENAI);
        assertThat(out.size()).isEqualTo(1);
        JsonNode error = out.get("error");
        assertThat(error.get("message").textValue()).isEqualTo(message);
        assertThat(error.get("type").textValue()).isEqualTo(openAiType);
        assertThat(error.get("param").isNull()).isTrue();
        assertThat(error.get("code").textValue()).isEqualTo(code);
    }

    @Test
    void shouldSayModelNotFoundWhenTheModelIsTheProblem() {
        JsonNode out = WholeBodies.error(404, "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\","
                + "\"message\":\"model: claude-9\"}}", Dialect.ANTHROPIC, Dialect.OPENAI);
        assertThat(out.at("/error/code").textValue()).isEqualTo("model_not_found");
    }

    /** The other direction: OpenAI status and body to the Anthropic status and type; 503 stays 503. */
    @ParameterizedTest
    @CsvSource({
        "400,invalid_request_error,400,invalid_request_error",
        "401,invalid_request_error,401,authentication_error",
        "403,invalid_request_error,403,permission_error",
        "404,invalid_request_error,404,not_found_error",
        "413,invalid_request_error,413,request_too_large",
        "429,insufficient_quota,429,rate_limit_error",
        "500,server_error,500,api_error",
        "502,server_error,502,api_error",
        "503,server_error,503,overloaded_error",
        "504,server_error,504,timeout_error"})
    void shouldMapOpenAiErrorsForAnthropicClients(int status, String type, int anthropicStatus, String anthropicType) {
        String body = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o\",\"type\":\"" + type
                + "\",\"param\":null,\"code\":\"some_code\"}}";
        assertThat(ResponseTranslator.translateErrorStatus(status, Dialect.OPENAI, Dialect.ANTHROPIC))
                .isEqualTo(anthropicStatus);
        JsonNode out = WholeBodies.error(status, body, Dialect.OPENAI, Dialect.ANTHROPIC);
        assertThat(out.get("type").textValue()).isEqualTo("error");
        assertThat(out.at("/error/type").textValue()).isEqualTo(anthropicType);
        assertThat(out.at("/error/message").textValue()).isEqualTo("Rate limit reached for gpt-4o");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<html><body>502 Bad Gateway</body></html>", "", "[1,2]", "{\"error\":{\"code\":5}}",
        "{\"type\":\"error\",\"error\":{\"type\":\"api_error\"}}", "{\"unexpected\":true}", "{\"error\":"})
    void shouldTurnUnrecognisableBodiesIntoAGenericErrorNamingTheStatus(String body) {
        JsonNode openAi = WholeBodies.error(502, body, Dialect.ANTHROPIC, Dialect.OPENAI);
        assertThat(openAi.at("/error/message").textValue()).isEqualTo("The provider answered with HTTP status 502.");
        assertThat(openAi.at("/error/type").textValue()).isEqualTo("server_error");
        JsonNode anthropic = WholeBodies.error(529, body, Dialect.ANTHROPIC, Dialect.ANTHROPIC);
        assertThat(anthropic.at("/error/message").textValue())
                .isEqualTo("The provider answered with HTTP status 529.");
        assertThat(anthropic.at("/error/type").textValue()).isEqualTo("overloaded_error");
        JsonNode fromOpenAi = WholeBodies.error(400, body, Dialect.OPENAI, Dialect.ANTHROPIC);
        assertThat(fromOpenAi.at("/error/type").textValue()).isEqualTo("invalid_request_error");
    }

    @Test
    void shouldAcceptLooseErrorShapesFromCompatibleServers() {
        assertThat(WholeBodies.error(400, "{\"error\":\"bad things\"}", Dialect.OPENAI, Dialect.ANTHROPIC)
                .at("/error/message").textValue()).isEqualTo("bad things");
        assertThat(WholeBodies.error(422, "{\"message\":\"field x\",\"code\":\"c\"}", Dialect.OPENAI,
                Dialect.ANTHROPIC).at("/error/message").textValue()).isEqualTo("field x");
    }

    @Test
    void shouldCopyARecognisableErrorUnchangedWithinOneDialect() {
        String body = "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"invalid_api_key\"}}";
        ByteBuf in = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        ByteBuf out = ResponseTranslator.translateError(WholeBodies.ALLOC, 401, in, Dialect.OPENAI, Dialect.OPENAI);
        try {
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(body);
            assertThat(in.readerIndex()).isZero();
        } finally {
            out.release();
            in.release();
        }
    }

    @Test
    void shouldNeverThrowForANullBody() {
        ByteBuf out = ResponseTranslator.translateError(WholeBodies.ALLOC, 500, null, Dialect.OPENAI,
                Dialect.ANTHROPIC);
        try {
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"error\",\"error\":{\"type\":"
                    + "\"api_error\",\"message\":\"The provider answered with HTTP status 500.\"},\"request_id\":null}");
        } finally {
            out.release();
        }
    }

    @ParameterizedTest
    @CsvSource({"529,ANTHROPIC,OPENAI,503", "529,ANTHROPIC,ANTHROPIC,529", "503,OPENAI,ANTHROPIC,503",
        "429,ANTHROPIC,OPENAI,429", "500,OPENAI,OPENAI,500"})
    void shouldTranslateOnlyOverloadedStatusToOpenAi(int status, Dialect from, Dialect to, int expected) {
        assertThat(ResponseTranslator.translateErrorStatus(status, from, to)).isEqualTo(expected);
    }
}
