package dev.sluice.proxy.internal;

import static dev.sluice.proxy.internal.EmbeddedGateway.chat;
import static dev.sluice.proxy.internal.EmbeddedGateway.head;
import static dev.sluice.proxy.internal.EmbeddedGateway.last;
import static dev.sluice.proxy.internal.EmbeddedGateway.sentRequest;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** {@link ClientHandler} on an embedded channel: routing of heads, pipelining in order, endpoint refusals. */
class ClientHandlerTest {
    private static final String ROUTES = "  chat:\n    deployments:\n"
            + "      - {provider: openai, model: gpt-a, price: {input: 1, output: 2}}\n";
    private static final String ANSWER = "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"%s\"},\"finish_reason\":\"stop\"}]}";

    @TempDir
    Path dir;
    private EmbeddedGateway gw;

    @AfterEach
    void close() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldAnswerPipelinedRequestsInOrderOneAtATime() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", false), chat("chat", false));
        assertThat(sentRequest(up)).isNotNull();
        assertThat(sentRequest(up)).as("the second request waits for the first's answer").isNull();

        up.writeInbound(head(200, "application/json"), last(String.format(ANSWER, "first")));
        assertThat(gw.clientOutput()).contains("first");
        assertThat(sentRequest(up)).as("then the second goes out, on the connection back in the pool").isNotNull();
        up.writeInbound(head(200, "application/json"), last(String.format(ANSWER, "second")));
        assertThat(gw.clientOutput()).contains("second");
        assertThat(gw.journal()).hasSize(2).allSatisfy(e -> assertThat(e.end().status()).isEqualTo(200));
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void shouldRefuseAnUnknownEndpointAndAWrongMethodInTheCallersFormat() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        gw.client.writeInbound(EmbeddedGateway.post("/v1/nothing-here", "{}"));
        assertThat(gw.clientOutput()).startsWith("404\n").contains("\"code\":\"not_found\"");

        DefaultFullHttpRequest get = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                "/v1/messages");
        get.headers().set("anthropic-version", "2023-06-01");
        get.headers().set("x-api-key", EmbeddedGateway.KEY);
        gw.client.writeInbound(get);
        assertThat(gw.clientOutput()).startsWith("405\n").contains("\"type\":\"error\"");
        assertThat(gw.journal()).hasSize(2);
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void shouldAnswerHealthChecksWithoutAnExchange() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        gw.client.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/healthz"));
        assertThat(gw.clientOutput()).isEqualTo("200\n{\"status\":\"ok\"}|END");
        assertThat(gw.journal()).isEmpty();
        assertThat(gw.finish()).isFalse();
    }
}
