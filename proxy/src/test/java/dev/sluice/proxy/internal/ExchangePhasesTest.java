package dev.sluice.proxy.internal;

import static dev.sluice.proxy.internal.EmbeddedGateway.chat;
import static dev.sluice.proxy.internal.EmbeddedGateway.chunk;
import static dev.sluice.proxy.internal.EmbeddedGateway.head;
import static dev.sluice.proxy.internal.EmbeddedGateway.last;
import static dev.sluice.proxy.internal.EmbeddedGateway.sentRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Outcome;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * Each {@link Phase} of an {@link Exchange} on embedded channels: the real client handler, exchange, attempts,
 * relays and journal, with the provider's answers written by the test and time moved on a manual clock instead of
 * waited for. Every test reads all that was written and ends with nothing left unreleased (the safety net's leak
 * detector fails the run otherwise).
 */
class ExchangePhasesTest {
    private static final String JSON_ANSWER = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-a\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";
    private static final String ROUTES = "  chat:\n    deployments:\n"
            + "      - {provider: openai, model: gpt-a, price: {input: 1, output: 2}}\n"
            + "  pair:\n    deployments:\n"
            + "      - {provider: openai, model: gpt-a, price: {input: 1, output: 2}}\n"
            + "      - {provider: openai, model: gpt-b, price: {input: 1, output: 2}}\n"
            + "  claude:\n    deployments:\n"
            + "      - {provider: anthropic, model: claude-x, price: {input: 1, output: 2}}\n";

    @TempDir
    Path dir;
    private EmbeddedGateway gw;

    @AfterEach
    void close() {
        if (gw != null) {
            gw.close();
        }
    }

    private EndRecord end() {
        return gw.onlyEntry().end();
    }

    @Test
    void headShouldRefuseABadKeyWithoutReadingTheBody() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        var req = chat("chat", false);
        req.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer sk-not-a-key-at-all");
        gw.client.writeInbound(req);

        String out = gw.clientOutput();
        assertThat(out).startsWith("401\n").contains("\"code\":\"invalid_api_key\"");
        assertThat(end().outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(end().status()).isEqualTo(401);
        assertThat(gw.context.metrics().bodyScans()).isZero();
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void bodyShouldBeGatheredAcrossChunksAndRefusedPastTheCap() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        HttpRequest head = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/v1/chat/completions");
        head.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + EmbeddedGateway.KEY);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        gw.client.writeInbound(head);
        gw.client.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1500])));
        assertThat(gw.clientOutput()).isEmpty();
        gw.client.writeInbound(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[1500])));

        assertThat(gw.clientOutput()).startsWith("413\n").contains("request_too_large");
        assertThat(end().outcome()).isEqualTo(Outcome.REJECTED);
        assertThat(gw.client.isOpen()).isFalse();
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void admissionShouldRefuseOverTheRateAndAdmitAgainOnceTheWindowHasPassed() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "    limits: {requests_per_minute: 1}\n");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", false));
        assertThat(sentRequest(up)).startsWith("/v1/chat/completions\n").contains("\"model\":\"gpt-a\"");
        up.writeInbound(head(200, "application/json"), last(JSON_ANSWER));
        assertThat(gw.clientOutput()).startsWith("200\n").contains("\"content\":\"hi\"").endsWith("|END");

        gw.client.writeInbound(chat("chat", false));
        assertThat(gw.clientOutput()).startsWith("429\n").contains("rate_limit_exceeded");

        // A sliding window: the request counts for a minute from the start of its second.
        gw.advance(121_000);
        // The pooled connection has been idle past UpstreamPool.MAX_IDLE_NS meanwhile: a fresh one serves.
        EmbeddedChannel fresh = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", false));
        assertThat(sentRequest(fresh)).isNotNull();
        fresh.writeInbound(head(200, "application/json"), last(JSON_ANSWER));
        assertThat(gw.clientOutput()).startsWith("200\n");
        assertThat(gw.journal()).extracting(e -> e.end().status()).containsExactly(200, 429, 200);
        assertThat(gw.journal().get(0).end().tokensOut()).isEqualTo(1);
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void upstreamShouldMoveToTheNextDeploymentOnA503BeforeAnythingReachedTheClient() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel second = gw.pooledUpstream("openai");
        EmbeddedChannel first = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("pair", false));
        assertThat(sentRequest(first)).contains("\"model\":\"gpt-a\"");
        first.writeInbound(head(503, "application/json"));

        assertThat(first.isOpen()).as("a retried attempt's connection is closed, its error body not read").isFalse();
        assertThat(sentRequest(second)).contains("\"model\":\"gpt-b\"");
        assertThat(gw.clientOutput()).isEmpty();
        second.writeInbound(head(200, "application/json"), last(JSON_ANSWER));

        assertThat(gw.clientOutput()).startsWith("200\n").contains("\"content\":\"hi\"");
        EndRecord e = end();
        assertThat(e.outcome()).isEqualTo(Outcome.OK);
        assertThat(e.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.STATUS,
                AttemptOutcome.OK);
        assertThat(gw.context.metrics().bodyScans()).isEqualTo(1);
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void upstreamShouldTimeOutWaitingForTheFirstTokenWhenTheClockPassesTheLimit() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", true));
        assertThat(sentRequest(up)).contains("\"stream\":true");

        gw.advance(1_000);
        assertThat(gw.clientOutput()).isEmpty();
        gw.advance(600);

        assertThat(gw.clientOutput()).startsWith("504\n").contains("upstream_timeout");
        assertThat(up.isOpen()).as("the provider's generation is cancelled").isFalse();
        EndRecord e = end();
        assertThat(e.outcome()).isEqualTo(Outcome.UPSTREAM_TIMEOUT);
        assertThat(e.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.FIRST_TOKEN_TIMEOUT);
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void relayingShouldEndABrokenStreamWithAnErrorEventNeverACleanEnd() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", true));
        sentRequest(up);
        up.writeInbound(head(200, "text/event-stream"));
        assertThat(gw.clientOutput()).as("the head waits for the first body bytes").isEmpty();
        up.writeInbound(chunk("data: {\"choices\":[{\"delta\":{\"content\":\"he\"}}]}\n\ndata: {\"choi"));
        up.flushInbound();

        assertThat(gw.clientOutput()).startsWith("200\n").contains("\"content\":\"he\"").doesNotContain("choi\"");
        up.close();

        String rest = gw.clientOutput();
        assertThat(rest).contains("upstream_truncated").endsWith("|END").doesNotContain("[DONE]");
        EndRecord e = end();
        assertThat(e.outcome()).isEqualTo(Outcome.UPSTREAM_TRUNCATED);
        assertThat(e.truncated()).isTrue();
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void relayingShouldTranslateAWholeAnswerAndSendItWithItsLength() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("anthropic");
        gw.client.writeInbound(chat("claude", false));
        assertThat(sentRequest(up)).startsWith("/v1/messages\n").contains("\"model\":\"claude-x\"");
        up.writeInbound(head(200, "application/json"), chunk("{\"id\":\"msg_1\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}],"));
        assertThat(gw.clientOutput()).as("a body translated whole waits for its end").isEmpty();
        up.writeInbound(last("\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}"));

        assertThat(gw.clientOutput()).startsWith("200\n").contains("\"object\":\"chat.completion\"")
                .contains("\"content\":\"hi\"");
        assertThat(end().tokensOut()).isEqualTo(1);
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void doneShouldCancelTheProviderWhenTheClientLeavesAndDropWhatArrivesAfter() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", true));
        sentRequest(up);
        up.writeInbound(head(200, "text/event-stream"),
                chunk("data: {\"choices\":[{\"delta\":{\"content\":\"he\"}}]}\n\n"));
        assertThat(gw.clientOutput()).contains("\"content\":\"he\"");

        gw.client.close();
        assertThat(up.isOpen()).as("closing the upstream connection cancels the generation").isFalse();
        EndRecord e = end();
        assertThat(e.outcome()).isEqualTo(Outcome.CLIENT_CANCELLED);
        assertThat(e.attempts()).extracting(a -> a.outcome()).containsExactly(AttemptOutcome.CLIENT_CANCELLED);
        assertThat(gw.finish()).isFalse();
    }
}
