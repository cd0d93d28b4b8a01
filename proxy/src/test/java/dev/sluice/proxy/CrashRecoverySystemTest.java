package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * RELIABILITY.md D1: {@code kill -9} of a gateway process while 50 streams run. After the restart every request
 * whose client received a status line has its REQUEST record, the journal reads cleanly, and the requests the
 * crash cut off are recorded as interrupted, with the tokens their captured parts show (flagged estimated) and
 * their cost, so spend and rebuilt budgets count what was already streamed.
 */
@Timeout(120)
class CrashRecoverySystemTest {
    private static final int STREAMS = 50;

    private ChildGateway child;
    private TestGateway restarted;

    @AfterEach
    void cleanUp() {
        if (child != null) {
            child.close();
        }
        if (restarted != null) {
            restarted.close();
        }
    }

    @Test
    void shouldKeepEveryAcknowledgedRequestAcrossKill9(@TempDir Path dataDir) throws Exception {
        child = ChildGateway.start(TestGateway.defaultConfig(), dataDir);
        int port = child.port();

        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        CountDownLatch allStreaming = new CountDownLatch(STREAMS);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            Thread t = new Thread(() -> stream(port, acknowledged, allStreaming), "client-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        assertThat(allStreaming.await(30, TimeUnit.SECONDS)).as("all 50 streams started").isTrue();
        // A second wave still arriving when the process dies: some get a status line, some do not.
        for (int i = 0; i < 20; i++) {
            Thread t = new Thread(() -> stream(port, acknowledged, new CountDownLatch(1)), "late-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        Thread.sleep(20); // let the second wave reach the gateway
        child.kill(); // SIGKILL: no shutdown hook, no close
        assertThat(child.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
        for (Thread t : clients) {
            t.join(5_000);
        }
        Set<String> acked = new HashSet<>(acknowledged);
        assertThat(acked.size()).isGreaterThanOrEqualTo(STREAMS);

        restarted = TestGateway.start(dataDir);
        int recovered = restarted.gateway().journal().recoveredInterrupted();
        List<JournalEntry> entries;
        long undecodable;
        try (JournalReader r = JournalReader.open(restarted.gateway().journalDir())) {
            entries = r.last(Integer.MAX_VALUE, 0);
            undecodable = r.undecodableRecords();
        }
        Set<Long> journaled = new HashSet<>();
        int interrupted = 0;
        int withTokens = 0;
        for (JournalEntry e : entries) {
            journaled.add(e.requestId());
            if ("interrupted".equals(e.outcome())) {
                interrupted++;
                boolean acknowledgedStream = acked.contains(RequestIds.format(e.requestId()));
                if (acknowledgedStream) {
                    // Its client got the status line with the first event, so its captured parts are there (the
                    // first event may carry no text yet: 0 tokens then, not unknown).
                    assertThat(e.end().tokensOut()).as("tokens of %s", RequestIds.format(e.requestId()))
                            .isNotNegative();
                    assertThat(e.end().tokensEstimated()).isTrue();
                    if (e.end().tokensOut() > 0) {
                        assertThat(e.end().costMicros()).isPositive();
                        withTokens++;
                    }
                }
            }
        }
        int missing = 0;
        for (String id : acked) {
            if (!journaled.contains(RequestIds.parse(id))) {
                missing++;
            }
        }
        System.out.printf("kill -9 with %d streams: %d acknowledged, %d missing from the journal, %d undecodable,"
                + " %d recovered as interrupted, %d of them with the tokens already streamed%n", STREAMS, acked.size(),
                missing, undecodable, recovered, withTokens);
        assertThat(missing).isZero();
        assertThat(undecodable).isZero();
        assertThat(interrupted).isGreaterThanOrEqualTo(STREAMS);
        assertThat(recovered).isEqualTo(interrupted);
        // The first wave streamed for a while before the kill: most of it had text on the wire.
        assertThat(withTokens).isGreaterThanOrEqualTo(STREAMS / 2);
        // And the restarted gateway serves.
        assertThat(restarted.post("/v1/chat/completions",
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode())
                .isEqualTo(200);
    }

    /** Opens a long stream; records the request id once the status line and headers arrived, then reads on. */
    private static void stream(int port, Set<String> acknowledged, CountDownLatch started) {
        String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"long [[mock tokens=2000 token_ms=20]]\"}]}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null || !status.startsWith("HTTP/1.1 ")) {
                return;
            }
            String line;
            String id = null;
            while ((line = in.readLine()) != null && !line.isEmpty()) {
                if (line.startsWith("x-request-id: ")) {
                    id = line.substring("x-request-id: ".length());
                }
            }
            if (id != null) {
                acknowledged.add(id);
            }
            started.countDown();
            while (in.readLine() != null) {
                // Keep reading until the gateway dies.
            }
        } catch (Exception e) {
            // The connection dies with the gateway: expected.
        }
    }
}
