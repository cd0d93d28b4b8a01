package dev.sluice.proxy.internal;

import static dev.sluice.proxy.internal.EmbeddedGateway.chat;
import static dev.sluice.proxy.internal.EmbeddedGateway.head;
import static dev.sluice.proxy.internal.EmbeddedGateway.last;
import static dev.sluice.proxy.internal.EmbeddedGateway.sentRequest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.Outcome;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@link UpstreamHandler} on an embedded channel: an idle connection that speaks out of turn is dropped, and a
 * connection that fails hands the failure to the attempt using it.
 */
class UpstreamHandlerTest {
    private static final String ROUTES = "  chat:\n    deployments:\n"
            + "      - {provider: openai, model: gpt-a, price: {input: 1, output: 2}}\n";

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
    void shouldCloseAnIdleConnectionThatSpeaksOutOfTurnAndReleaseWhatItSent() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel idle = gw.pooledUpstream("openai");
        HttpContent stray = last("{\"late\":true}");
        idle.writeInbound(head(200, "application/json"), stray);

        assertThat(idle.isOpen()).isFalse();
        assertThat(stray.refCnt()).isZero();
        assertThat(gw.finish()).isFalse();
    }

    @Test
    void shouldEndTheAttemptWhenTheConnectionFailsBeforeTheAnswer() throws Exception {
        gw = new EmbeddedGateway(dir, ROUTES, "");
        EmbeddedChannel up = gw.pooledUpstream("openai");
        gw.client.writeInbound(chat("chat", false));
        assertThat(sentRequest(up)).isNotNull();
        up.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));

        assertThat(up.isOpen()).isFalse();
        assertThat(gw.clientOutput()).startsWith("502\n").contains("upstream_unavailable");
        EndRecord e = gw.onlyEntry().end();
        assertThat(e.outcome()).isEqualTo(Outcome.UPSTREAM_UNAVAILABLE);
        assertThat(e.attempts()).singleElement().satisfies(a -> {
            assertThat(a.outcome()).isEqualTo(AttemptOutcome.RESET);
            assertThat(a.uncertainBilled()).as("the provider may have read the request").isTrue();
        });
        assertThat(gw.finish()).isFalse();
    }
}
