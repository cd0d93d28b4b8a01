package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.mock.MockRecord;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A client that hangs up mid-stream cancels the provider request, and the journal says so. */
@Timeout(60)
class ClientCancelSystemTest {
    private TestGateway gw;

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void shouldCloseUpstreamAndJournalCancelWhenClientHangsUp() throws Exception {
        String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"go [[mock tokens=2000 token_ms=20]]\"}]}";
        String requestId = null;
        int contentEvents = 0;
        long hangUpNs;
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestGateway.DEMO_KEY
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("x-request-id: ")) {
                    requestId = line.substring("x-request-id: ".length());
                }
                if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    contentEvents++;
                }
                if (contentEvents == 5) {
                    break;
                }
            }
            hangUpNs = System.nanoTime();
        }
        assertThat(requestId).startsWith("req_");
        // The provider's stream lasts 40 s: a cancelled record that was never completed is the hang-up's doing.
        await().atMost(Duration.ofSeconds(30)).until(() -> !gw.upstreamRecords().isEmpty()
                && gw.upstreamRecords().get(0).cancelled());
        MockRecord upstream = gw.upstreamRecords().get(0);
        assertThat(upstream.completed()).isFalse();
        assertThat(upstream.eventsSent()).isLessThan(2003);
        long propagationMs = (upstream.closedAtNs() - hangUpNs) / 1_000_000;
        System.out.println("cancel propagation: client hang-up -> provider connection closed in " + propagationMs
                + " ms (reported, not asserted), after " + upstream.eventsSent() + " of 2003 events");

        JournalEntry e = gw.awaitEnd(requestId);
        assertThat(e.outcome()).isEqualTo("client_cancelled");
        assertThat(e.end().status()).isEqualTo(200);
        // What was relayed is still accounted (estimated: the provider sends usage only at the end).
        assertThat(e.end().tokensOut()).isGreaterThanOrEqualTo(5);
        assertThat(e.end().tokensEstimated()).isTrue();
        assertThat(e.end().costMicros()).isGreaterThanOrEqualTo(0);
    }
}
