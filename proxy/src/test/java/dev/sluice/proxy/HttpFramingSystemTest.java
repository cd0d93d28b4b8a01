package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RecordVisitor;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.RequestRecord;
import dev.sluice.mock.MockRecord;
import dev.sluice.routing.config.ServerSettings;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile HTTP/1 framing against a real gateway over raw sockets (RELIABILITY.md A1-A5). Every attack is followed
 * on the same connection by a valid, authenticated "canary" request whose body carries a unique marker: the
 * gateway must answer the attack with the catalogue's status, close the connection, never execute the canary
 * (a desync would run it as a second request), never send anything upstream for the attack, and journal the
 * refusal. Positive controls prove the canary and the mock ledger do detect execution, with the canary both
 * pipelined in the same write (as in the attacks) and sent after the first response.
 * <p>
 * Cases the gateway fails carry assertion messages starting "GATEWAY FAILS" with the bytes sent and received.
 */
class HttpFramingSystemTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String KEY = TestGateway.DEMO_KEY;
    private static final int MAX_BODY_BYTES = ServerSettings.DEFAULT_MAX_BODY_BYTES;
    private static final int MAX_HEADER_BYTES = ServerSettings.DEFAULT_MAX_HEADER_BYTES;
    private static final int MAX_REQUEST_LINE_BYTES = ServerSettings.DEFAULT_MAX_REQUEST_LINE_BYTES;
    private static final int READ_TIMEOUT_MS = 30_000;
    /** How long the mock's ledger must stay unchanged after a refusal (a forwarded request would show by then). */
    private static final Duration QUIET_PERIOD = Duration.ofMillis(250);
    private static final Set<Integer> BAD_REQUEST = Set.of(400);
    /** RELIABILITY.md A2: an unknown transfer coding may be refused with 501 instead of 400. */
    private static final Set<Integer> BAD_OR_NOT_IMPLEMENTED = Set.of(400, 501);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Per catalogue item: variants, attacks forwarded upstream, canaries executed, 5xx answers. */
    private static final Map<String, long[]> TALLY = new LinkedHashMap<>();

    /** One gateway for every case: each works on connections of its own and counts the ledger from where it was. */
    private static TestGateway gw;

    @BeforeAll
    static void startGateway() throws Exception {
        gw = TestGateway.start();
        // The cases below are built from the defaults: make sure the shipped configuration still uses them.
        ServerSettings s = gw.gateway().config().server();
        assertThat(s.maxBodyBytes()).as("conf/sluice.yaml max_body_bytes").isEqualTo(MAX_BODY_BYTES);
        assertThat(s.maxHeaderBytes()).as("max header bytes").isEqualTo(MAX_HEADER_BYTES);
        assertThat(s.maxRequestLineBytes()).as("max request line bytes").isEqualTo(MAX_REQUEST_LINE_BYTES);
    }

    @AfterAll
    static void stopGateway() {
        if (gw != null) {
            gw.close();
        }
    }

    @AfterAll
    static void report() {
        long[] all = new long[4];
        synchronized (TALLY) {
            for (Map.Entry<String, long[]> e : TALLY.entrySet()) {
                long[] t = e.getValue();
                System.out.println(line(e.getKey(), t));
                if (!e.getKey().equals("A5")) {
                    for (int i = 0; i < 4; i++) {
                        all[i] += t[i];
                    }
                }
            }
        }
        System.out.println(line("A1-A4", all));
    }

    private static String line(String item, long[] t) {
        return item + ": " + t[0] + " variants: " + t[1] + " forwarded upstream, " + t[2] + " canaries executed, "
                + t[3] + " 5xx";
    }

    // ------------------------------------------------------------------------------------------ the attacks

    static Stream<Attack> framingAttacks() {
        List<Attack> out = new ArrayList<>();
        a1(out, "HTTP/1.1");
        a1(out, "HTTP/1.0");
        a2(out);
        a3(out);
        a4(out);
        a5(out);
        return out.stream();
    }

    /** A1: Content-Length against Transfer-Encoding, and Content-Length values two parsers could read apart. */
    private static void a1(List<Attack> out, String version) {
        String v = version.equals("HTTP/1.0") ? "1.0" : "1.1";
        // HTTP/1.0 closes after a response unless asked not to: ask, so that a desync could reach the canary.
        String ka = version.equals("HTTP/1.0") ? "Connection: keep-alive" : "X-Keep: 1";
        String id = "a1-" + v + "-";
        String b = body(id + "cl-te");
        String c = chunked(b);
        out.add(attack("A1", id + "cl-te", head(version, ka, "Content-Length: " + c.length(),
                "Transfer-Encoding: chunked") + c));
        b = body(id + "te-cl");
        c = chunked(b);
        // CL.TE desync shape: the length covers only the chunk-size line, the rest would be a second request.
        out.add(attack("A1", id + "te-cl", head(version, ka, "Transfer-Encoding: chunked",
                "Content-Length: 4") + c));
        b = body(id + "two-cl");
        // The second length also covers the canary: a parser taking the first runs the canary, one taking the
        // second swallows it as body; either way two parsers disagree about where the next request starts.
        out.add(attack("A1", id + "two-cl", head(version, ka, "Content-Length: " + b.length(),
                "Content-Length: " + (b.length() + canary("canary-" + id + "two-cl").length)) + b));
        b = body(id + "two-equal-cl");
        out.add(attack("A1", id + "two-equal-cl", head(version, ka, "Content-Length: " + b.length(),
                "Content-Length: " + b.length()) + b));
        b = body(id + "cl-list");
        out.add(attack("A1", id + "cl-list", head(version, ka,
                "Content-Length: " + b.length() + ", " + b.length()) + b));
        b = body(id + "cl-plus");
        out.add(attack("A1", id + "cl-plus", head(version, ka, "Content-Length: +" + b.length()) + b));
        b = body(id + "cl-negative");
        out.add(attack("A1", id + "cl-negative", head(version, ka, "Content-Length: -1") + b));
        b = body(id + "cl-hex");
        out.add(attack("A1", id + "cl-hex", head(version, ka,
                "Content-Length: 0x" + Integer.toHexString(b.length())) + b));
        b = body(id + "cl-empty");
        out.add(attack("A1", id + "cl-empty", head(version, ka, "Content-Length:") + b));
        // 2^63 overflows a signed long; a parser that wraps would read a negative or small length.
        b = body(id + "cl-2pow63");
        out.add(attack("A1", id + "cl-2pow63", head(version, ka, "Content-Length: 9223372036854775808") + b));
        b = body(id + "cl-2pow64-plus");
        out.add(attack("A1", id + "cl-2pow64-plus", head(version, ka,
                "Content-Length: 18446744073709551616" + b.length()) + b));
        // Leading zeros ("042") are valid RFC 9110 1*DIGIT and are accepted: see shouldServeValidRequests.
    }

    /** A2: Transfer-Encoding values that only some parsers read as chunked. */
    private static void a2(List<Attack> out) {
        teAttack(out, "te-chunked-xchunked", BAD_OR_NOT_IMPLEMENTED, "Transfer-Encoding: chunked, xchunked");
        teAttack(out, "te-xchunked", BAD_OR_NOT_IMPLEMENTED, "Transfer-Encoding: xchunked");
        teAttack(out, "te-trailing-space", BAD_REQUEST, "Transfer-Encoding: chunked ");
        teAttack(out, "te-tab-before-value", BAD_REQUEST, "Transfer-Encoding:\tchunked");
        teAttack(out, "te-uppercase", BAD_REQUEST, "Transfer-Encoding: CHUNKED");
        teAttack(out, "te-twice", BAD_REQUEST, "Transfer-Encoding: chunked", "Transfer-Encoding: chunked");
        teAttack(out, "te-identity-then-chunked-headers", BAD_OR_NOT_IMPLEMENTED, "Transfer-Encoding: identity",
                "Transfer-Encoding: chunked");
        // obs-fold (RFC 9112 5.2): a server must reject it or replace it with SP, never read it as a new line.
        teAttack(out, "te-obs-fold-value", BAD_REQUEST, "Transfer-Encoding:", " chunked");
        teAttack(out, "te-obs-fold-hidden-line", BAD_REQUEST, "X-Pad: a", " Transfer-Encoding: chunked");
        teAttack(out, "te-tab-fold-hidden-line", BAD_REQUEST, "X-Pad: a", "\tTransfer-Encoding: chunked");
        teAttack(out, "te-identity-chunked", BAD_OR_NOT_IMPLEMENTED, "Transfer-Encoding: identity, chunked");
        teAttack(out, "te-chunked-chunked", BAD_REQUEST, "Transfer-Encoding: chunked, chunked");
        String b = body("te-http10");
        out.add(attack("A2", "te-http10", head("HTTP/1.0", "Connection: keep-alive",
                "Transfer-Encoding: chunked") + chunked(b)));
    }

    private static void teAttack(List<Attack> out, String id, Set<Integer> statuses, String... teLines) {
        String c = chunked(body(id));
        out.add(new Attack("A2", id, (head("HTTP/1.1", teLines) + c).getBytes(ISO_8859_1), statuses,
                Outcome.REJECTED_PROTOCOL));
    }

    /** A3: chunk framing that lenient parsers resynchronise differently ("funky chunks"). */
    private static void a3(List<Attack> out) {
        chunkAttack(out, "chunk-size-lf-only", b -> hex(b) + "\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-last-lf-only", b -> hex(b) + "\r\n" + b + "\r\n0\n\n");
        chunkAttack(out, "chunk-size-lone-cr", b -> hex(b) + "\r" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-ext-lone-lf", b -> hex(b) + ";a\nb\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-ext-unbalanced-quote", b -> hex(b) + ";a=\"x\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-data-no-crlf", b -> hex(b) + "\r\n" + b + "0\r\n\r\n");
        chunkAttack(out, "chunk-data-junk-before-crlf", b -> hex(b) + "\r\n" + b + "XX\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-data-lf-only", b -> hex(b) + "\r\n" + b + "\n0\r\n\r\n");
        chunkAttack(out, "chunk-size-hex-overflow", b -> "ffffffffffffffff1\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-size-leading-space", b -> " " + hex(b) + "\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-size-0x-prefix", b -> "0x" + hex(b) + "\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-size-plus", b -> "+" + hex(b) + "\r\n" + b + "\r\n0\r\n\r\n");
        chunkAttack(out, "chunk-trailer-content-length", b -> hex(b) + "\r\n" + b
                + "\r\n0\r\nContent-Length: 5\r\n\r\n");
        chunkAttack(out, "chunk-trailer-transfer-encoding", b -> hex(b) + "\r\n" + b
                + "\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n");
    }

    private static void chunkAttack(List<Attack> out, String id, UnaryOperator<String> framing) {
        out.add(attack("A3", id, head("HTTP/1.1", "Transfer-Encoding: chunked") + framing.apply(body(id))));
    }

    /** A4: header lines that parsers split, trim or sanitise differently. */
    private static void a4(List<Attack> out) {
        headerAttack(out, "space-before-colon", "X-Pad : 1");
        String c = chunked(body("te-space-before-colon"));
        out.add(attack("A4", "te-space-before-colon", head("HTTP/1.1", "Transfer-Encoding : chunked") + c));
        headerAttack(out, "header-without-colon", "X-No-Colon");
        headerAttack(out, "header-without-colon-with-space", "X-No Colon");
        headerAttack(out, "control-char-in-name", "X-C\u0001tl: 1");
        headerAttack(out, "control-char-starts-name", "\u000bX-Ctl: 1");
        headerAttack(out, "control-char-ends-name", "X-Ctl\u000b: 1");
        headerAttack(out, "cr-in-value", "X-Val: a\rb");
        headerAttack(out, "lf-in-value", "X-Val: a\nX-Injected: 1");
        headerAttack(out, "nul-in-value", "X-Val: a\u0000b");
        headerAttack(out, "del-in-value", "X-Val: a\u007fb");
        // "X-Ñ" in UTF-8, written byte by byte (the request is encoded as ISO-8859-1).
        headerAttack(out, "non-ascii-in-name", "X-\u00c3\u0091: 1");
        // Envoy's headers_with_underscores_action: REJECT_REQUEST. With the key only in "x_api_key", a proxy
        // that maps it onto "x-api-key" would authenticate and forward the request.
        String b = body("underscore-api-key");
        out.add(attack("A4", "underscore-api-key", ("POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "x_api_key: " + KEY + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length()
                + "\r\n\r\n" + b)));
        headerAttack(out, "underscore-in-name", "X_Forwarded_For: 10.0.0.1");
        b = body("oversized-header");
        out.add(new Attack("A4", "oversized-header", (head("HTTP/1.1", "X-Big: " + "a".repeat(MAX_HEADER_BYTES + 1),
                "Content-Length: " + b.length()) + b).getBytes(ISO_8859_1), Set.of(431), Outcome.REJECTED_PROTOCOL));
    }

    private static void headerAttack(List<Attack> out, String id, String line) {
        String b = body(id);
        out.add(attack("A4", id, head("HTTP/1.1", line, "Content-Length: " + b.length()) + b));
    }

    /** A5 limits that the decoder enforces on the head (sent in one write with the canary). */
    private static void a5(List<Attack> out) {
        String b = body("request-line-4k-plus-1");
        String line = requestLine(MAX_REQUEST_LINE_BYTES + 1);
        out.add(new Attack("A5", "request-line-4k-plus-1", (line + "\r\n" + head("HTTP/1.1",
                "Content-Length: " + b.length()).substring(head("HTTP/1.1").indexOf("\r\n") + 2) + b)
                .getBytes(ISO_8859_1), Set.of(414), Outcome.REJECTED_PROTOCOL));
        b = body("headers-over-8k");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i * 1000 <= MAX_HEADER_BYTES; i++) {
            lines.add("X-Pad-" + i + ": " + "p".repeat(990));
        }
        lines.add("Content-Length: " + b.length());
        out.add(new Attack("A5", "headers-over-8k", (head("HTTP/1.1", lines.toArray(new String[0])) + b)
                .getBytes(ISO_8859_1), Set.of(431), Outcome.REJECTED_PROTOCOL));
        b = body("headers-over-100");
        lines.clear();
        for (int i = 0; i <= 100; i++) {
            lines.add("X-H" + i + ": 1");
        }
        lines.add("Content-Length: " + b.length());
        out.add(new Attack("A5", "headers-over-100", (head("HTTP/1.1", lines.toArray(new String[0])) + b)
                .getBytes(ISO_8859_1), Set.of(431), Outcome.REJECTED_PROTOCOL));
    }

    // ------------------------------------------------------------------------------------------ the tests

    @ParameterizedTest(name = "{0}")
    @MethodSource("framingAttacks")
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldRefuseHostileFramingCloseAndNeverRunTheCanary(Attack a) throws Exception {
        int before = gw.upstreamRecords().size();
        String canaryMarker = "canary-" + a.id();
        RawResponse resp;
        End end;
        try (RawConnection conn = new RawConnection(gw.port())) {
            conn.send(concat(a.bytes(), canary(canaryMarker)));
            resp = conn.readResponse();
            end = conn.readToEnd();
        }
        List<MockRecord> after = quietLedger(before);
        long forwarded = count(after, "attack-" + a.id());
        long canaries = count(after, canaryMarker);
        tally(a.item(), after.size() - before - canaries, canaries, resp != null && resp.status() >= 500);

        String sent = printable(a.bytes());
        assertThat(resp).as("GATEWAY FAILS %s: no response to the attack; sent %s; received %s", a, sent,
                printable(end.bytes())).isNotNull();
        assertThat(canaries).as("GATEWAY FAILS %s: the canary was executed (desync); sent %s; received %s", a, sent,
                printable(resp.raw())).isZero();
        assertThat(forwarded).as("GATEWAY FAILS %s: the attack reached the provider; sent %s; received %s", a, sent,
                printable(resp.raw())).isZero();
        assertThat(after).as("GATEWAY FAILS %s: upstream requests were made; sent %s", a, sent).hasSize(before);
        assertThat(a.statuses()).as("GATEWAY FAILS %s: wrong status; sent %s; received %s", a, sent,
                printable(resp.raw())).contains(resp.status());
        assertThat(end.kind()).as("GATEWAY FAILS %s: connection not closed after the refusal; sent %s; received %s"
                + " then %s", a, sent, printable(resp.raw()), printable(end.bytes())).isEqualTo(EndKind.EOF);
        assertThat(end.bytes()).as("GATEWAY FAILS %s: bytes after the refusal (the connection stayed open and the"
                + " rest was parsed as another request); sent %s; first response %s; then %s", a, sent,
                printable(resp.raw()), printable(end.bytes())).isEmpty();
        assertRefusalBody(a, resp, "invalid_request");
        assertThat(awaitJournaledEnd(resp, resp.status())).as("GATEWAY FAILS %s: journal outcome", a)
                .isEqualTo(a.outcome());
    }

    @ParameterizedTest(name = "expect-100-continue={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldAnswer413BeforeTheBodyWhenContentLengthExceedsTheCap(boolean expectContinue) throws Exception {
        String id = expectContinue ? "cl-over-cap-expect-continue" : "cl-over-cap";
        int before = gw.upstreamRecords().size();
        byte[] headOnly = head("HTTP/1.1", "Content-Length: " + (MAX_BODY_BYTES + 1),
                expectContinue ? "Expect: 100-continue" : "X-Expect: none").getBytes(ISO_8859_1);
        RawResponse resp;
        End end;
        try (RawConnection conn = new RawConnection(gw.port())) {
            // Only the head goes out: the 413 must come without a single body byte sent.
            conn.send(headOnly);
            resp = conn.readResponse();
            end = conn.readToEnd();
            // The connection is closed already; whatever happens to this write, it must never run.
            conn.sendQuietly(canary("canary-" + id));
        }
        List<MockRecord> after = quietLedger(before);
        long canaries = count(after, "canary-" + id);
        tally("A5", after.size() - before - canaries, canaries, resp != null && resp.status() >= 500);

        assertThat(resp).as("GATEWAY FAILS %s: no answer before the body; sent %s", id, printable(headOnly))
                .isNotNull();
        assertThat(resp.status()).as("GATEWAY FAILS %s: sent %s; received %s", id, printable(headOnly),
                printable(resp.raw())).isEqualTo(413);
        assertThat(new String(resp.raw(), ISO_8859_1)).as("no interim response").doesNotContain("100 Continue");
        assertThat(end.kind()).as("GATEWAY FAILS %s: connection not closed after the 413; then received %s", id,
                printable(end.bytes())).isEqualTo(EndKind.EOF);
        assertThat(end.bytes()).as("bytes after the 413").isEmpty();
        assertThat(after).as("GATEWAY FAILS %s: upstream requests were made", id).hasSize(before);
        assertRefusalBody(new Attack("A5", id, headOnly, Set.of(413), Outcome.REJECTED), resp, "request_too_large");
        // A size limit is a policy refusal, not a framing error: the gateway journals it as "rejected".
        assertThat(awaitJournaledEnd(resp, 413)).isEqualTo(Outcome.REJECTED);
        printLimit(id, resp, 0, end);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldAnswer413WhenAChunkedBodyCrossesTheCap() throws Exception {
        String id = "chunked-over-cap";
        int before = gw.upstreamRecords().size();
        int chunkBytes = 64 * 1024;
        byte[] chunk = chunkOf(chunkBytes);
        RawResponse resp;
        End end;
        long sentBodyBytes = 0;
        try (RawConnection conn = new RawConnection(gw.port())) {
            conn.send(head("HTTP/1.1", "Transfer-Encoding: chunked").getBytes(ISO_8859_1));
            // Exactly enough whole chunks to cross the cap by one chunk, no terminating chunk: the gateway reads
            // all of it (nothing left unread in its socket, so its close is a FIN, not a reset).
            while (sentBodyBytes <= MAX_BODY_BYTES) {
                conn.send(chunk);
                sentBodyBytes += chunkBytes;
            }
            resp = conn.readResponse();
            end = conn.readToEnd();
            conn.sendQuietly(canary("canary-" + id));
        }
        List<MockRecord> after = quietLedger(before);
        long canaries = count(after, "canary-" + id);
        tally("A5", after.size() - before - canaries, canaries, resp != null && resp.status() >= 500);

        assertThat(resp).as("GATEWAY FAILS %s: no answer", id).isNotNull();
        assertThat(resp.status()).as("GATEWAY FAILS %s: received %s", id, printable(resp.raw())).isEqualTo(413);
        // The gateway closes once the 413 is flushed; body bytes still in flight at that moment make the kernel
        // answer them with a reset, so a reset after the complete 413 counts as closed. Only silence fails.
        assertThat(end.kind()).as("GATEWAY FAILS %s: connection not closed after the 413; then received %s", id,
                printable(end.bytes())).isIn(EndKind.EOF, EndKind.RESET);
        assertThat(end.bytes()).as("bytes after the 413").isEmpty();
        assertThat(after).as("GATEWAY FAILS %s: upstream requests were made", id).hasSize(before);
        assertRefusalBody(new Attack("A5", id, new byte[0], Set.of(413), Outcome.REJECTED), resp,
                "request_too_large");
        assertThat(awaitJournaledEnd(resp, 413)).isEqualTo(Outcome.REJECTED);
        printLimit(id, resp, sentBodyBytes, end);
    }

    /**
     * Positive controls: well-framed requests are served, reach the mock exactly once with their body intact,
     * and the canary after them runs exactly once on the same connection, so the refusal test's "canary never
     * executed" and "ledger unchanged" checks can see execution when it happens.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("validRequests")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldServeValidRequestsAndThenTheCanary(Valid v) throws Exception {
        int before = gw.upstreamRecords().size();
        String canaryMarker = "canary-" + v.id();
        RawResponse first;
        RawResponse second;
        try (RawConnection conn = new RawConnection(gw.port())) {
            if (v.pipelined()) {
                // One write, as in the attacks: the canary waits in the gateway's pipeline queue.
                conn.send(concat(v.bytes(), canary(canaryMarker)));
                first = conn.readResponse();
            } else {
                conn.send(v.bytes());
                first = conn.readResponse();
                conn.send(canary(canaryMarker));
            }
            second = conn.readResponse();
        }
        assertThat(first).as("no response to %s", v.id()).isNotNull();
        assertThat(first.status()).as("%s: received %s", v.id(), printable(first.raw())).isEqualTo(200);
        assertThat(second).as("GATEWAY FAILS %s: no response to the canary sent %s on the same keep-alive"
                + " connection (ledger: %s)", v, v.pipelined() ? "pipelined in the same write" : "after the response",
                gw.upstreamRecords()).isNotNull();
        assertThat(second.status()).as("canary after %s: received %s", v.id(), printable(second.raw()))
                .isEqualTo(200);
        List<MockRecord> after = gw.upstreamRecords();
        assertThat(after).hasSize(before + 2);
        List<MockRecord> mine = after.subList(before, after.size());
        assertThat(new String(mine.get(0).body(), UTF_8)).as("%s reached the provider with its body", v.id())
                .contains("attack-" + v.id());
        assertThat(mine.get(0).body().length).as("%s body length upstream", v.id())
                .isGreaterThanOrEqualTo(v.minUpstreamBodyBytes());
        assertThat(count(mine, canaryMarker)).as("canary after %s", v.id()).isEqualTo(1);
        assertThat(awaitJournaledEnd(first, 200)).isEqualTo(Outcome.OK);
    }

    static Stream<Valid> validRequests() {
        return Stream.of(false, true).flatMap(pipelined -> validRequests(pipelined).stream());
    }

    private static List<Valid> validRequests(boolean pipelined) {
        List<Valid> out = new ArrayList<>();
        String b = body("valid-cl");
        out.add(new Valid("valid-cl", (head("HTTP/1.1", "Content-Length: " + b.length()) + b).getBytes(ISO_8859_1),
                b.length(), pipelined));
        b = body("valid-chunked");
        out.add(new Valid("valid-chunked", (head("HTTP/1.1", "Transfer-Encoding: chunked")
                + chunk(b.substring(0, 10)) + chunk(b.substring(10)) + "0\r\n\r\n").getBytes(ISO_8859_1),
                b.length(), pipelined));
        // Leading zeros: RFC 9110 defines Content-Length as 1*DIGIT, so "0NN" is the decimal NN. The gateway
        // accepts it (FramingRules takes digits only) and never forwards the client's framing, so no second
        // parser can read it differently; the canary right after the body proves it was read as decimal, not
        // octal.
        b = body("valid-cl-leading-zeros");
        out.add(new Valid("valid-cl-leading-zeros", (head("HTTP/1.1", "Content-Length: 00" + b.length()) + b)
                .getBytes(ISO_8859_1), b.length(), pipelined));
        b = body("valid-request-line-4k");
        String line = requestLine(MAX_REQUEST_LINE_BYTES);
        out.add(new Valid("valid-request-line-4k", (line + "\r\n" + head("HTTP/1.1", "Content-Length: " + b.length())
                .substring(head("HTTP/1.1").indexOf("\r\n") + 2) + b).getBytes(ISO_8859_1), b.length(), pipelined));
        String marker = "attack-valid-body-at-cap";
        String prefix = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + marker + " ";
        String suffix = "\"}]}";
        b = prefix + "x".repeat(MAX_BODY_BYTES - prefix.length() - suffix.length()) + suffix;
        out.add(new Valid("valid-body-at-cap", (head("HTTP/1.1", "Content-Length: " + b.length()) + b)
                .getBytes(ISO_8859_1), MAX_BODY_BYTES, pipelined));
        return out;
    }

    /**
     * HTTP/1.0 with one Content-Length (what nginx's plain {@code proxy_pass} sends) is served: a JSON answer keeps
     * its length, a stream is delimited by the close (HTTP/1.0 has no chunked coding), and the connection closes
     * after each answer.
     */
    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {false, true})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldServeHttp10WithAContentLength(boolean stream) throws Exception {
        String id = "http10-" + (stream ? "stream" : "json");
        String b = "{\"model\":\"demo\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"attack-" + id + "\"}]}";
        byte[] all;
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(READ_TIMEOUT_MS);
            s.getOutputStream().write((head("HTTP/1.0", "Content-Length: " + b.length()) + b).getBytes(ISO_8859_1));
            all = s.getInputStream().readAllBytes(); // to the gateway's close
        }
        String text = new String(all, ISO_8859_1);
        String headPart = text.substring(0, text.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT);
        String bodyPart = text.substring(text.indexOf("\r\n\r\n") + 4);
        assertThat(text).startsWith("HTTP/1.1 200 ");
        assertThat(headPart).doesNotContain("transfer-encoding").contains("connection: close");
        if (stream) {
            assertThat(headPart).doesNotContain("content-length");
            assertThat(bodyPart).startsWith("data: {").endsWith("data: [DONE]\n\n");
        } else {
            assertThat(headPart).contains("content-length: " + bodyPart.length());
            assertThat(JSON.readTree(bodyPart).path("choices").path(0).path("message").path("content").asText())
                    .isNotEmpty();
        }
        assertThat(count(gw.upstreamRecords(), "attack-" + id)).isEqualTo(1);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldSend100ContinueForAnAcceptableBodyAndServeIt() throws Exception {
        String b = body("valid-expect-continue");
        int before = gw.upstreamRecords().size();
        try (RawConnection conn = new RawConnection(gw.port())) {
            conn.send(head("HTTP/1.1", "Expect: 100-continue", "Content-Length: " + b.length())
                    .getBytes(ISO_8859_1));
            RawResponse interim = conn.readResponse();
            assertThat(interim.status()).as("interim: %s", printable(interim.raw())).isEqualTo(100);
            conn.send(b.getBytes(ISO_8859_1));
            RawResponse resp = conn.readResponse();
            assertThat(resp.status()).as("final: %s", printable(resp.raw())).isEqualTo(200);
        }
        assertThat(count(gw.upstreamRecords(), "attack-valid-expect-continue")).isEqualTo(1);
        assertThat(gw.upstreamRecords()).hasSize(before + 1);
    }

    // ------------------------------------------------------------------------------------------ checks

    /** Waits out {@link #QUIET_PERIOD} with the mock's ledger unchanged (or returns as soon as it changed). */
    private List<MockRecord> quietLedger(int before) {
        try {
            await().pollInterval(Duration.ofMillis(25)).during(QUIET_PERIOD).atMost(QUIET_PERIOD.multipliedBy(8))
                    .until(() -> gw.upstreamRecords().size() == before);
        } catch (ConditionTimeoutException changed) {
            // The ledger changed: the assertions on the returned records say how.
        }
        return gw.upstreamRecords();
    }

    private static long count(List<MockRecord> records, String marker) {
        return records.stream().filter(r -> new String(r.body(), UTF_8).contains(marker)).count();
    }

    /** The refusal is JSON in the OpenAI dialect with a stable code and echoes neither the key nor the input. */
    private static void assertRefusalBody(Attack a, RawResponse resp, String code) throws IOException {
        String text = new String(resp.body(), UTF_8);
        JsonNode doc = JSON.readTree(text);
        assertThat(doc.path("error").path("code").asText()).as("%s: error code in %s", a, text).isEqualTo(code);
        assertThat(text).as("%s: refusal echoes the key", a).doesNotContain(KEY);
        assertThat(text).as("%s: refusal echoes the body", a).doesNotContain("attack-" + a.id());
        assertThat(resp.header("x-request-id")).as("%s: request id", a).isNotNull();
    }

    /**
     * Waits for the journal's REQUEST and END records of the response's request id; checks the END status when
     * {@code status} is not -1 and returns its outcome.
     */
    private Outcome awaitJournaledEnd(RawResponse resp, int status) {
        long requestId = RequestIds.parse(resp.header("x-request-id"));
        AtomicReference<EndRecord> end = new AtomicReference<>();
        AtomicReference<RequestRecord> request = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (JournalReader reader = JournalReader.open(gw.gateway().journalDir())) {
                reader.poll(new RecordVisitor() {
                    @Override
                    public void onRequest(RequestRecord r) {
                        if (r.requestId() == requestId) {
                            request.set(r);
                        }
                    }

                    @Override
                    public void onEnd(EndRecord e) {
                        if (e.requestId() == requestId) {
                            end.set(e);
                        }
                    }
                }, Integer.MAX_VALUE);
            }
            return request.get() != null && end.get() != null;
        });
        if (status != -1) {
            assertThat(end.get().status()).as("journaled status of %s", resp.header("x-request-id"))
                    .isEqualTo(status);
        }
        return end.get().outcome();
    }

    private static void tally(String item, long forwarded, long canaries, boolean fiveXx) {
        synchronized (TALLY) {
            long[] t = TALLY.computeIfAbsent(item, k -> new long[4]);
            t[0]++;
            t[1] += forwarded;
            t[2] += canaries;
            t[3] += fiveXx ? 1 : 0;
        }
    }

    private static void printLimit(String id, RawResponse resp, long bodyBytesSent, End end) {
        System.out.println("A5 " + id + ": status " + resp.status() + ", body bytes sent before the answer "
                + bodyBytesSent + ", connection header " + resp.header("connection") + ", then " + end.kind());
    }

    // ------------------------------------------------------------------------------------------ requests

    private static Attack attack(String item, String id, String raw) {
        return new Attack(item, id, raw.getBytes(ISO_8859_1), BAD_REQUEST, Outcome.REJECTED_PROTOCOL);
    }

    /** A chat body whose user message carries {@code attack-<id>}, so the mock's ledger shows if it arrived. */
    private static String body(String id) {
        return "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"attack-" + id + "\"}]}";
    }

    /** An authenticated chat request head: the fixed lines, then {@code extra} verbatim, then the blank line. */
    private static String head(String version, String... extra) {
        StringBuilder b = new StringBuilder(256).append("POST ").append(CHAT).append(' ').append(version)
                .append("\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ").append(KEY)
                .append("\r\nContent-Type: application/json\r\n");
        for (String line : extra) {
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    /** A valid request after the attack on the same connection; its marker must never reach the provider. */
    private static byte[] canary(String marker) {
        String b = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"" + marker + "\"}]}";
        return (head("HTTP/1.1", "X-Test-Req-Id: " + marker, "Content-Length: " + b.length()) + b)
                .getBytes(ISO_8859_1);
    }

    /** A request line of exactly {@code bytes} bytes (without its CRLF) for the chat endpoint, padded in the query. */
    private static String requestLine(int bytes) {
        String start = "POST " + CHAT + "?pad=";
        String end = " HTTP/1.1";
        String line = start + "q".repeat(bytes - start.length() - end.length()) + end;
        assertThat(line).hasSize(bytes);
        return line;
    }

    /** {@code body} as one chunk and the last chunk. */
    private static String chunked(String body) {
        return chunk(body) + "0\r\n\r\n";
    }

    private static String chunk(String data) {
        return hex(data) + "\r\n" + data + "\r\n";
    }

    private static String hex(String data) {
        return Integer.toHexString(data.length());
    }

    private static byte[] chunkOf(int dataBytes) {
        byte[] size = (Integer.toHexString(dataBytes) + "\r\n").getBytes(ISO_8859_1);
        byte[] out = new byte[size.length + dataBytes + 2];
        System.arraycopy(size, 0, out, 0, size.length);
        Arrays.fill(out, size.length, size.length + dataBytes, (byte) 'x');
        out[out.length - 2] = '\r';
        out[out.length - 1] = '\n';
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Bytes as Java-escaped text for assertion messages, cut at 600 characters. */
    static String printable(byte[] bytes) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < bytes.length && b.length() < 600; i++) {
            int c = bytes[i] & 0xff;
            if (c == '\r') {
                b.append("\\r");
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format(Locale.ROOT, "\\x%02x", c));
            } else {
                b.append((char) c);
            }
        }
        if (b.length() >= 600) {
            b.append("...(").append(bytes.length).append(" bytes)");
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------------------------------ types

    /** One hostile request; {@code statuses} are the acceptable answers, {@code outcome} the journal's. */
    record Attack(String item, String id, byte[] bytes, Set<Integer> statuses, Outcome outcome) {
        @Override
        public String toString() {
            return item + " " + id;
        }
    }

    /** A well-framed request whose body carries {@code attack-<id>}. */
    record Valid(String id, byte[] bytes, int minUpstreamBodyBytes, boolean pipelined) {
        @Override
        public String toString() {
            return id + (pipelined ? " (canary pipelined)" : " (canary after the response)");
        }
    }

    enum EndKind { EOF, RESET, TIMEOUT }

    record End(EndKind kind, byte[] bytes) {
    }

    /** One parsed response; {@code raw} is every byte of it as received. */
    record RawResponse(int status, Map<String, String> headers, byte[] body, byte[] raw) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A blocking client socket on 127.0.0.1 that parses HTTP/1.1 responses byte by byte. Test thread only. */
    static final class RawConnection implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        RawConnection(int port) throws IOException {
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), READ_TIMEOUT_MS);
            socket.setSoTimeout(READ_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void send(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Sends {@code bytes} to a connection that should be closed: a failed write is the expected outcome. */
        void sendQuietly(byte[] bytes) {
            try {
                send(bytes);
            } catch (IOException expected) {
                // Broken pipe or reset: the gateway closed the connection, as it must.
            }
        }

        /** Reads one response, or returns null when the connection ends (or stalls) before a status line. */
        RawResponse readResponse() throws IOException {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            String statusLine = readLine(raw);
            if (statusLine == null) {
                return null;
            }
            String[] parts = statusLine.split(" ", 3);
            assertThat(parts.length).as("status line %s", statusLine).isGreaterThanOrEqualTo(2);
            assertThat(parts[0]).as("status line %s", statusLine).startsWith("HTTP/1.");
            int status = Integer.parseInt(parts[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            String line;
            while ((line = readLine(raw)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                assertThat(colon).as("response header line %s", line).isPositive();
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim(), (x, y) -> x + ", " + y);
            }
            assertThat(line).as("response head ended early: %s", printable(raw.toByteArray())).isNotNull();
            byte[] body;
            if (status == 100 || status == 204 || status == 304) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body = readChunked(raw);
            } else if (headers.containsKey("content-length")) {
                body = readExactly(Integer.parseInt(headers.get("content-length")), raw);
            } else {
                body = readRest(raw);
            }
            return new RawResponse(status, headers, body, raw.toByteArray());
        }

        /** Reads until the peer closes, resets, or {@link #READ_TIMEOUT_MS} passes in silence. */
        End readToEnd() {
            ByteArrayOutputStream rest = new ByteArrayOutputStream();
            try {
                int c;
                while ((c = in.read()) != -1) {
                    rest.write(c);
                }
                return new End(EndKind.EOF, rest.toByteArray());
            } catch (SocketTimeoutException e) {
                return new End(EndKind.TIMEOUT, rest.toByteArray());
            } catch (IOException e) {
                return new End(EndKind.RESET, rest.toByteArray());
            }
        }

        private byte[] readChunked(ByteArrayOutputStream raw) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = readLine(raw);
                assertThat(size).as("chunk size line").isNotNull();
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    String trailer;
                    while ((trailer = readLine(raw)) != null && !trailer.isEmpty()) {
                        // Trailers are not used by the gateway; skip them.
                    }
                    return body.toByteArray();
                }
                body.write(readExactly(n, raw));
                assertThat(readLine(raw)).as("chunk data CRLF").isEmpty();
            }
        }

        private byte[] readExactly(int n, ByteArrayOutputStream raw) throws IOException {
            byte[] b = in.readNBytes(n);
            raw.write(b);
            assertThat(b.length).as("body bytes before the connection ended").isEqualTo(n);
            return b;
        }

        private byte[] readRest(ByteArrayOutputStream raw) throws IOException {
            byte[] b = in.readAllBytes();
            raw.write(b);
            return b;
        }

        /** Reads a CRLF-terminated line (without the CRLF); null at end of stream, timeout or reset. */
        private String readLine(ByteArrayOutputStream raw) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            try {
                int c;
                while ((c = in.read()) != -1) {
                    raw.write(c);
                    if (c == '\n') {
                        byte[] b = line.toByteArray();
                        int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                        return new String(b, 0, len, ISO_8859_1);
                    }
                    line.write(c);
                }
            } catch (SocketTimeoutException | SocketException e) {
                return null;
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
