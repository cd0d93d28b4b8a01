package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.ConfigLoader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.netty.util.internal.PlatformDependent;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a client may hold of the gateway, against a real gateway over raw sockets (RELIABILITY.md A7, B2-B4): slow
 * headers and slow bodies get 408 and a close, idle connections are reclaimed, a client that stops reading its
 * stream is cut off and its provider call cancelled, the connection cap makes room by closing the longest-idle
 * connection, and past the cap on requests in flight (or while memory is short) new requests get a fast 503
 * {@code overloaded} with {@code Retry-After} in the caller's dialect. Each test prints its figure.
 */
@Timeout(120)
class ClientLimitsSystemTest {
    private static final String CHAT = "/v1/chat/completions";
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /** Starts a gateway on the shipped configuration with {@code serverLines} added to its server section. */
    private void start(String... serverLines) throws Exception {
        String shipped = Files.readString(TestGateway.defaultConfig());
        StringBuilder server = new StringBuilder("server:\n");
        for (String l : serverLines) {
            server.append("  ").append(l).append('\n');
        }
        assertThat(shipped).contains("\nserver:\n");
        gw = TestGateway.startWith(shipped.replace("\nserver:\n", "\n" + server));
    }

    /** Applies the shipped configuration with {@code serverLines} as a reload would; returns what it kept. */
    private List<String> reload(String... serverLines) throws Exception {
        String shipped = Files.readString(TestGateway.defaultConfig());
        StringBuilder server = new StringBuilder("server:\n");
        for (String l : serverLines) {
            server.append("  ").append(l).append('\n');
        }
        Path conf = gw.dataDir().resolveSibling("reloaded.yaml");
        Files.writeString(conf, shipped.replace("\nserver:\n", "\n" + server));
        return gw.gateway().apply(ConfigLoader.load(conf, Map.of()).withDataDir(gw.dataDir()));
    }

    // ------------------------------------------------------------------------------------------ A7 slow clients

    @Test
    void shouldAnswer408ToSlowHeadersAndCloseTheConnection() throws Exception {
        start("header_timeout_ms: 1000");
        int attackers = 20;
        List<Socket> sockets = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(attackers);
        try {
            List<Future<String>> answers = new ArrayList<>();
            long startNs = System.nanoTime();
            for (int i = 0; i < attackers; i++) {
                Socket s = connect();
                sockets.add(s);
                // One header byte every 100 ms: the head would take 10 s to arrive.
                answers.add(pool.submit(() -> dripThenRead(s, chatHead(64), 100)));
            }
            long[] droppedMs = new long[attackers];
            for (int i = 0; i < attackers; i++) {
                String answer = answers.get(i).get(60, TimeUnit.SECONDS);
                droppedMs[i] = (System.nanoTime() - startNs) / 1_000_000;
                assertThat(answer).as("attacker %d", i).startsWith("HTTP/1.1 408 ");
                assertThat(answer).contains("\"code\":\"request_timeout\"").containsIgnoringCase("connection: close");
            }
            assertThat(gw.upstreamRecords()).isEmpty();
            assertThat(gw.gateway().metrics().timeouts("header")).isEqualTo(attackers);
            Arrays.sort(droppedMs);
            System.out.println("A7 slow headers: " + attackers + " connections sending 1 byte per 100 ms: "
                    + attackers + " answered 408 and closed, dropped after " + droppedMs[0] + ".." + droppedMs[attackers - 1]
                    + " ms (header_timeout_ms 1000), 0 reached the provider");
        } finally {
            pool.shutdownNow();
            closeAll(sockets);
        }
    }

    @Test
    void shouldAnswer408ToASlowBodyAndJournalIt() throws Exception {
        start("body_timeout_ms: 1000");
        String body = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long startNs = System.nanoTime();
        String answer;
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(chatHead(body.length()).getBytes(ISO_8859_1));
            out.flush();
            answer = dripThenRead(s, body, 200);
        }
        long droppedMs = (System.nanoTime() - startNs) / 1_000_000;
        assertThat(answer).startsWith("HTTP/1.1 408 ").contains("\"code\":\"request_timeout\"");
        String id = header(answer, "x-request-id");
        JournalEntry e = gw.awaitEnd(id);
        assertThat(e.end().status()).isEqualTo(408);
        assertThat(e.outcome()).isEqualTo("rejected");
        assertThat(gw.upstreamRecords()).isEmpty();
        System.out.println("A7 slow body: 1 byte per 200 ms: answered 408 and closed after " + droppedMs
                + " ms (body_timeout_ms 1000), journaled, 0 reached the provider");
    }

    @Test
    void shouldCutOffAClientThatStopsReadingItsStreamAndCancelTheProvider() throws Exception {
        start("send_timeout_ms: 1000");
        String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"go [[mock tokens=200000]]\"}]}";
        long directBefore = PlatformDependent.usedDirectMemory();
        long directPeak = directBefore;
        long startNs = System.nanoTime();
        try (Socket s = new Socket()) {
            // A small receive window, never read: the gateway's writes back up until its send buffer is full.
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", gw.port()));
            s.getOutputStream().write((chatHead(body.length()) + body).getBytes(ISO_8859_1));
            s.getOutputStream().flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(gw.upstreamRecords().size() == 1 && gw.upstreamRecords().get(0).cancelled())
                    && System.nanoTime() < deadline) {
                directPeak = Math.max(directPeak, PlatformDependent.usedDirectMemory());
                Thread.sleep(20);
            }
        }
        long cutMs = (System.nanoTime() - startNs) / 1_000_000;
        MockRecord upstream = gw.upstreamRecords().get(0);
        assertThat(upstream.cancelled()).as("provider call cancelled").isTrue();
        assertThat(upstream.completed()).isFalse();
        assertThat(gw.gateway().metrics().timeouts("send")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> gw.journal().stream()
                .anyMatch(j -> j.isFinished() && j.outcome().equals("client_cancelled")));
        System.out.println("A7 slow read: a stream never read was cut after " + cutMs + " ms (send_timeout_ms 1000),"
                + " provider cancelled after " + upstream.eventsSent() + " of 200003 events, gateway direct memory"
                + " peak " + ((directPeak - directBefore) >> 10) + " KiB above baseline (write high-water mark "
                + (Gateway.WRITE_HIGH_WATER_BYTES >> 10) + " KiB)");
    }

    // ------------------------------------------------------------------------------------------ B4 connections

    @Test
    void shouldReclaimIdleConnectionsAndThoseThatNeverSpeak() throws Exception {
        start("idle_timeout_ms: 1000", "header_timeout_ms: 1000");
        int n = 500;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Socket s = connect();
                sockets.add(s);
                if (i % 2 == 0) {
                    // Half keep-alive after one answer, half never send a byte.
                    s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
                }
            }
            long startNs = System.nanoTime();
            int closed = 0;
            for (Socket s : sockets) {
                s.setSoTimeout(30_000);
                byte[] rest = s.getInputStream().readAllBytes(); // returns at the gateway's close
                closed++;
                assertThat(rest.length == 0 || new String(rest, ISO_8859_1).startsWith("HTTP/1.1 200 ")).isTrue();
            }
            long reclaimMs = (System.nanoTime() - startNs) / 1_000_000;
            assertThat(closed).isEqualTo(n);
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().load().connections() == 0);
            System.out.println("B4 idle: " + n + " connections (250 idle after an answer, 250 that never sent a"
                    + " byte): all " + closed + " closed by the gateway within " + reclaimMs
                    + " ms (idle_timeout_ms 1000, header_timeout_ms 1000); open connections after: 0");
        } finally {
            closeAll(sockets);
        }
    }

    @Test
    void shouldMakeRoomPastTheConnectionCapByClosingTheLongestIdle() throws Exception {
        start("max_connections: 50");
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                Socket s = connect();
                idle.add(s);
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
                readHead(s);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().load().connections() == 50);
            int served = 0;
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = gw.chat("demo", "hello");
                served += r.statusCode() == 200 ? 1 : 0;
            }
            assertThat(served).isEqualTo(20);
            long displaced = gw.gateway().metrics().connectionsDisplaced();
            assertThat(displaced).isGreaterThanOrEqualTo(1);
            assertThat(gw.gateway().load().connections()).isLessThanOrEqualTo(51);
            System.out.println("B4 connection cap: max_connections 50 held by idle keep-alive connections: 20/20"
                    + " legitimate requests on new connections served, " + displaced + " idle connections closed"
                    + " to make room, open connections after: " + gw.gateway().load().connections());
        } finally {
            closeAll(idle);
        }
    }

    @Test
    void shouldDisplaceSilentConnectionsBeforeAKeepAliveClientJustAnswered() throws Exception {
        // One event loop: the cap's choice is per loop.
        start("max_connections: 20", "io_threads: 1");
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < 19; i++) {
                sockets.add(connect());   // never send a byte
            }
            Socket keepAlive = connect();
            sockets.add(keepAlive);
            keepAlive.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
            assertThat(readHead(keepAlive)).startsWith("HTTP/1.1 200");
            await().atMost(Duration.ofSeconds(10)).until(() -> gw.gateway().load().connections() == 20);
            for (int i = 0; i < 5; i++) {
                Socket s = connect();
                sockets.add(s);
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
                assertThat(readHead(s)).startsWith("HTTP/1.1 200");
            }
            // The keep-alive client was answered after the silent ones connected: they made room, not it.
            keepAlive.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
            assertThat(readHead(keepAlive)).startsWith("HTTP/1.1 200");
            assertThat(gw.gateway().metrics().connectionsDisplaced()).isEqualTo(5);
            System.out.println("B4 connection cap: max_connections 20 held by 19 silent connections and one keep-alive"
                    + " client: 5 new clients served by displacing 5 silent connections; the keep-alive client's"
                    + " next request served");
        } finally {
            closeAll(sockets);
        }
    }

    @Test
    void shouldCloseAConnectionAfterItsRequestAllowance() throws Exception {
        start("max_requests_per_connection: 5");
        try (Socket s = connect()) {
            for (int i = 1; i <= 5; i++) {
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));
                String head = readHead(s);
                assertThat(head).startsWith("HTTP/1.1 200 ");
                if (i < 5) {
                    assertThat(head).doesNotContainIgnoringCase("connection: close");
                } else {
                    assertThat(head).containsIgnoringCase("connection: close");
                }
            }
            s.setSoTimeout(30_000);
            assertThat(s.getInputStream().read()).as("closed after the fifth answer").isEqualTo(-1);
        }
        System.out.println("B4 keep-alive abuse: max_requests_per_connection 5: the fifth answer said"
                + " Connection: close and the connection closed");
    }

    // ------------------------------------------------------------------------------------------ B2/B3 shedding

    @Test
    void shouldShedPastTheInFlightCapInTheCallersDialect() throws Exception {
        start("max_in_flight: 4");
        List<Socket> streams = new ArrayList<>();
        try {
            String slow = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"go [[mock tokens=1000 token_ms=20]]\"}]}";
            for (int i = 0; i < 4; i++) {
                Socket s = connect();
                streams.add(s);
                s.getOutputStream().write((chatHead(slow.length()) + slow).getBytes(ISO_8859_1));
                assertThat(readHead(s)).startsWith("HTTP/1.1 200 ");
            }
            long[] refusalNs = new long[20];
            for (int i = 0; i < refusalNs.length; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = gw.chat("demo", "hello");
                refusalNs[i] = System.nanoTime() - t0;
                assertThat(r.statusCode()).isEqualTo(503);
                assertThat(r.headers().firstValue("retry-after")).hasValue("1");
                assertThat(r.body()).contains("\"code\":\"overloaded\"").contains("\"error\":{");
            }
            HttpResponse<String> anthropic = gw.post("/v1/messages", "{\"model\":\"demo\",\"max_tokens\":5,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(anthropic.statusCode()).isEqualTo(503);
            assertThat(anthropic.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"");
            assertThat(gw.upstreamRecords()).hasSize(4);
            // The cap is read per request from the running configuration: a reload raises it at once.
            assertThat(reload("max_in_flight: 8")).isEmpty();
            assertThat(gw.chat("demo", "hello").statusCode()).isEqualTo(200);
            closeAll(streams);
            streams.clear();
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway().load().inFlight() == 0);
            assertThat(gw.chat("demo", "hello").statusCode()).isEqualTo(200);
            Arrays.sort(refusalNs);
            System.out.println("B2 in-flight cap: max_in_flight 4 held by 4 streams: 21/21 new requests refused 503"
                    + " overloaded with Retry-After (OpenAI and Anthropic shapes), 0 reached the provider (a reload to 8"
                    + " served the next at once), refusal"
                    + " round trip p50 " + refusalNs[refusalNs.length / 2] / 1000 + " us, max "
                    + refusalNs[refusalNs.length - 1] / 1000 + " us; served again once the streams ended");
        } finally {
            closeAll(streams);
        }
    }

    @Test
    void shouldShedWhileMemoryIsShortAndServeAgainAfter() throws Exception {
        // A threshold well above what this JVM's heap holds now (the guard judges heap too), and direct buffers
        // of the test's own that pass it.
        System.gc();
        Runtime rt = Runtime.getRuntime();
        long heapPct = (rt.totalMemory() - rt.freeMemory()) * 100 / rt.maxMemory();
        int threshold = (int) Math.min(60, Math.max(20, heapPct + 15));
        start("memory_guard_percent: " + threshold);
        assertThat(gw.chat("demo", "hello").statusCode()).isEqualTo(200);
        long size = PlatformDependent.maxDirectMemory() * (threshold + 5) / 100;
        ByteBuffer hog = ByteBuffer.allocateDirect((int) Math.min(size, Integer.MAX_VALUE - 8));
        await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway().load().memoryShort() != null);
        HttpResponse<String> r = gw.chat("demo", "hello");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.body()).contains("\"code\":\"overloaded\"").contains("memory is short");
        String why = gw.gateway().load().memoryShort();
        // While memory is short, connections that wait for a request are closed (the longest-waiting first), and a
        // new one takes the place of one of them: connections that send nothing do not hold memory.
        long displacedBefore = gw.gateway().metrics().connectionsDisplaced();
        List<Socket> silent = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                silent.add(connect());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway().load().connections() == 0);
            for (Socket s : silent) {
                assertThat(s.getInputStream().read()).as("closed by the gateway").isEqualTo(-1);
            }
        } finally {
            closeAll(silent);
        }
        long displaced = gw.gateway().metrics().connectionsDisplaced() - displacedBefore;
        assertThat(displaced).isGreaterThanOrEqualTo(6);
        hog.put(0, (byte) 1);
        hog = null;
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            System.gc();
            return gw.gateway().load().memoryShort() == null;
        });
        assertThat(gw.chat("demo", "hello").statusCode()).isEqualTo(200);
        assertThat(gw.upstreamRecords()).hasSize(2);
        System.out.println("B3 memory guard: memory_guard_percent " + threshold + " with " + (size >> 20)
                + " MiB of direct buffers held: new requests refused 503 overloaded (" + why + "), 0 of them"
                + " reached the provider; 6 silent connections opened meanwhile were closed (" + displaced
                + " waiting connections closed in all); served again once freed");
    }

    // ------------------------------------------------------------------------------------------ helpers

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", gw.port());
        s.setSoTimeout(60_000);
        return s;
    }

    private static String chatHead(int contentLength) {
        return "POST " + CHAT + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestGateway.DEMO_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    /**
     * Sends {@code text} one byte every {@code gapMs} until the gateway answers or closes, then returns all it
     * sent back.
     */
    private static String dripThenRead(Socket s, String text, long gapMs) throws Exception {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        byte[] bytes = text.getBytes(ISO_8859_1);
        try {
            for (byte b : bytes) {
                if (in.available() > 0) {
                    break;
                }
                out.write(b);
                out.flush();
                Thread.sleep(gapMs);
            }
        } catch (SocketException closed) {
            // The gateway closed while bytes were still being sent: what it answered is still readable.
        }
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try {
            in.transferTo(got);
        } catch (SocketException | SocketTimeoutException e) {
            // A reset after the answer: keep what arrived.
        }
        return got.toString(ISO_8859_1);
    }

    /** Reads one response head and, by its Content-Length, its body; returns the head. */
    private static String readHead(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        String h = head.toString();
        String cl = header(h, "content-length");
        if (cl != null) {
            in.readNBytes(Integer.parseInt(cl.trim()));
        }
        return h;
    }

    private static String header(String response, String name) {
        for (String line : response.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
            if (line.isEmpty()) {
                break;
            }
        }
        return null;
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing a test socket
            }
        }
    }
}
