package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.RequestIds;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * RELIABILITY.md D7: SIGTERM to {@code sluice serve} while 50 slow streams run. The gateway stops taking requests
 * (new ones are refused or their connection is), lets the 50 streams finish, writes their END records, closes the
 * journal and exits 0.
 */
@Timeout(180)
class GracefulShutdownSystemTest {
    private static final int STREAMS = 50;
    private static final String STREAM_BODY = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"slow [[mock tokens=40 first_token_ms=50 token_ms=150]]\"}]}";
    private static final String SHORT_BODY =
            "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private ChildGateway child;

    @AfterEach
    void cleanUp() {
        if (child != null) {
            child.close();
        }
    }

    @Test
    void shouldFinishEveryStreamInFlightAndExitZeroOnSigterm(@TempDir Path dataDir) throws Exception {
        child = ChildGateway.start(TestGateway.defaultConfig(), dataDir);
        int port = child.port();

        Map<Integer, Stream> streams = new ConcurrentHashMap<>();
        CountDownLatch allStreaming = new CountDownLatch(STREAMS);
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            Stream s = new Stream();
            streams.put(i, s);
            Thread t = new Thread(() -> s.run(port, allStreaming), "stream-" + i);
            t.setDaemon(true);
            t.start();
            clients.add(t);
        }
        assertThat(allStreaming.await(60, TimeUnit.SECONDS)).as("all 50 streams relaying").isTrue();

        // SIGTERM through the handle: Process.destroy() would also close our end of the child's output pipe.
        assertThat(child.process().toHandle().destroy()).isTrue();
        try {
            await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> child.output().contains("not accepting requests any more"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("no drain after SIGTERM; the gateway printed:\n" + child.output(), e);
        }
        // From now on nothing new is served: the listener is closed (connection refused), and a request on a
        // connection that slipped in is refused 503.
        String late = requestOnNewConnection(port);
        assertThat(late).isIn("refused", "503");

        for (Thread t : clients) {
            t.join(60_000);
        }
        assertThat(child.process().waitFor(60, TimeUnit.SECONDS)).as("the gateway exits").isTrue();
        assertThat(child.process().exitValue()).as(child.output()).isZero();
        assertThat(child.output()).contains("sluice: stopped").doesNotContain("connections cut");

        Map<Long, JournalEntry> journaled = new HashMap<>();
        try (JournalReader r = JournalReader.open(dataDir.resolve("journal"))) {
            for (JournalEntry e : r.last(Integer.MAX_VALUE, 0)) {
                journaled.put(e.requestId(), e);
            }
            assertThat(r.undecodableRecords()).isZero();
        }
        int complete = 0;
        for (Stream s : streams.values()) {
            assertThat(s.failure).as("stream %s", s.requestId).isNull();
            assertThat(s.sawDone).as("stream %s ended with [DONE]", s.requestId).isTrue();
            assertThat(s.eof).as("stream %s: connection closed after its answer", s.requestId).isTrue();
            JournalEntry e = journaled.get(RequestIds.parse(s.requestId));
            assertThat(e).as("REQUEST of %s", s.requestId).isNotNull();
            assertThat(e.end()).as("END of %s", s.requestId).isNotNull();
            assertThat(e.outcome()).as("outcome of %s", s.requestId).isEqualTo("ok");
            complete++;
        }
        System.out.printf("SIGTERM with %d streams in flight: %d complete streams, %d END records ok, exit 0,"
                + " late request: %s%n", STREAMS, complete, complete, late);
    }

    /** Sends a short request on a new connection: its status code, or "refused" when the connection is. */
    private static String requestOnNewConnection(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + SHORT_BODY.length() + "\r\n\r\n" + SHORT_BODY).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return status == null ? "refused" : status.split(" ")[1];
        } catch (ConnectException e) {
            return "refused";
        } catch (IOException e) {
            // Accepted by the kernel before the listener closed, then closed unanswered: not served either.
            return "refused";
        }
    }

    /** One streaming client on a raw socket: reads the head, then every line until the gateway closes. */
    private static final class Stream {
        volatile String requestId;
        volatile boolean sawDone;
        volatile boolean eof;
        volatile Throwable failure;

        void run(int port, CountDownLatch streaming) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(60_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + STREAM_BODY.length() + "\r\n\r\n" + STREAM_BODY).getBytes(StandardCharsets.US_ASCII));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8));
                String status = in.readLine();
                if (status == null || !status.startsWith("HTTP/1.1 200")) {
                    throw new AssertionError("status line: " + status);
                }
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    if (line.startsWith("x-request-id: ")) {
                        requestId = line.substring("x-request-id: ".length());
                    }
                }
                boolean counted = false;
                while ((line = in.readLine()) != null) {
                    if (!counted && line.startsWith("data: ")) {
                        counted = true;
                        streaming.countDown();
                    }
                    if (line.equals("data: [DONE]")) {
                        sawDone = true;
                    }
                }
                eof = true;
            } catch (Throwable e) {
                failure = e;
            }
        }
    }
}
