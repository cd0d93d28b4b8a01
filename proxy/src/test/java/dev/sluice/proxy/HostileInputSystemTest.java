package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.mock.MockRecord;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;

import io.netty.util.internal.PlatformDependent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile request content against a real gateway: compressed bodies, from the client and from the provider, are
 * refused on their head and never inflated (RELIABILITY.md A6); absurd and steering parameters are refused before
 * dispatch (A10); nothing a client sends splits a header line (A12). Each test prints its figure.
 */
@Timeout(120)
class HostileInputSystemTest {
    /** Every content coding of A6, and a stacked one. */
    private static final List<String> CODINGS = List.of("gzip", "deflate", "br", "zstd", "snappy", "gzip,gzip");
    /** What the gzip and deflate bombs inflate to. */
    private static final int BOMB_INFLATED_BYTES = 256 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestGateway gw;

    @BeforeAll
    static void start() throws Exception {
        gw = TestGateway.start();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldRefuseCompressedRequestBodiesWithoutInflatingThem() throws Exception {
        int before = gw.upstreamRecords().size();
        long directBefore = PlatformDependent.usedDirectMemory();
        int refused = 0;
        long sentBytes = 0;
        for (String coding : CODINGS) {
            byte[] body = bomb(coding);
            sentBytes += body.length;
            String answer;
            try (Socket s = new Socket("127.0.0.1", gw.port())) {
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nContent-Encoding: " + coding
                        + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(ISO_8859_1));
                try {
                    out.write(body);
                } catch (SocketException closed) {
                    // Refused on the head: the gateway may close before the whole body is sent.
                }
                answer = new String(s.getInputStream().readAllBytes(), ISO_8859_1);
            } catch (SocketException reset) {
                answer = "";
            }
            assertThat(answer).as(coding).startsWith("HTTP/1.1 415 ")
                    .contains("\"code\":\"unsupported_content_encoding\"");
            refused++;
        }
        long directDelta = PlatformDependent.usedDirectMemory() - directBefore;
        assertThat(gw.upstreamRecords()).hasSize(before);
        System.out.println("A6 requests: " + CODINGS.size() + " codings (" + String.join(" ", CODINGS) + "), "
                + (sentBytes >> 10) + " KiB sent, gzip/deflate bombs of " + (BOMB_INFLATED_BYTES >> 20)
                + " MiB inflated: " + refused + " refused 415 on the head, 0 inflated, 0 reached the provider,"
                + " gateway direct memory delta " + (directDelta >> 10) + " KiB (pooled arenas keep their chunks), 0 OOM");
    }

    @Test
    void shouldRefuseCompressedProviderAnswers() throws Exception {
        int refused = 0;
        for (String coding : CODINGS) {
            for (boolean stream : new boolean[] {false, true}) {
                HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi [[mock content_encoding=" + coding
                        + "]]\"}]}");
                assertThat(r.statusCode()).as(coding).isEqualTo(502);
                assertThat(r.body()).contains("\"code\":\"upstream_bad_response\"").doesNotContain(coding);
                JournalEntry e = gw.awaitEnd(TestGateway.requestId(r));
                assertThat(e.outcome()).isEqualTo("upstream_error");
                refused++;
            }
        }
        // The gateway asked for no coding at all.
        assertThat(gw.upstreamRecords()).allSatisfy(m ->
                assertThat(m.headers().get("accept-encoding")).isEqualTo("identity"));
        System.out.println("A6 provider answers: " + CODINGS.size() + " codings x JSON and stream: " + refused
                + " answered 502 upstream_bad_response on the head, 0 inflated; every upstream request sent"
                + " Accept-Encoding: identity");
    }

    /**
     * A10: absurd and steering parameters are refused before dispatch, named in the error, in both dialects; a
     * canary listener standing in for an attacker's host sees no connection.
     */
    @Test
    void shouldRefuseAbusiveParametersBeforeDispatch() throws Exception {
        int before = gw.upstreamRecords().size();
        try (ServerSocket canary = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            canary.setSoTimeout(1);
            String url = "http://127.0.0.1:" + canary.getLocalPort() + "/v1";
            String bias = IntStream.range(0, 100_000).mapToObj(t -> "\"" + t + "\":1")
                    .collect(Collectors.joining(",", "{", "}"));
            String tools = IntStream.range(0, 1_000).mapToObj(t -> "{\"type\":\"function\",\"function\":{\"name\":\"f"
                    + t + "\",\"parameters\":{\"type\":\"object\"}}}").collect(Collectors.joining(",", "[", "]"));
            // member -> value; each goes in as it is, and (steering ones) inside metadata and a *_config object.
            Map<String, String> members = new LinkedHashMap<>();
            members.put("n", "4096");
            members.put("logit_bias", bias);
            members.put("tools", tools);
            members.put("api_base", "\"" + url + "\"");
            members.put("base_url", "\"" + url + "\"");
            members.put("api_key", "\"sk-attacker\"");
            members.put("extra_headers", "{\"Authorization\":\"Bearer sk-attacker\"}");
            members.put("user_id", "\"admin\"");
            int tried = 0;
            for (Map.Entry<String, String> m : members.entrySet()) {
                List<String[]> forms = new ArrayList<>();
                forms.add(new String[] {"\"" + m.getKey() + "\":" + m.getValue(), m.getKey()});
                if (!List.of("n", "logit_bias", "tools").contains(m.getKey())) {
                    forms.add(new String[] {"\"proxy_config\":{\"" + m.getKey() + "\":" + m.getValue() + "}",
                        "proxy_config." + m.getKey()});
                    if (!m.getKey().equals("user_id")) {
                        forms.add(new String[] {"\"metadata\":{\"" + m.getKey() + "\":" + m.getValue() + "}",
                            "metadata." + m.getKey()});
                    }
                }
                for (String[] form : forms) {
                    for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
                        HttpResponse<String> r = gw.post(path, "{\"model\":\"demo\",\"max_tokens\":5,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]," + form[0] + "}");
                        assertThat(r.statusCode()).as("%s %s", path, form[1]).isEqualTo(400);
                        assertThat(r.body()).as(form[1]).contains(form[1]).doesNotContain("sk-attacker");
                        if (path.startsWith("/v1/chat")) {
                            assertThat(JSON.readTree(r.body()).path("error").path("param").asText()).isEqualTo(form[1]);
                        } else {
                            assertThat(r.body()).startsWith("{\"type\":\"error\",\"error\":{\"type\":"
                                    + "\"invalid_request_error\"");
                        }
                        tried++;
                    }
                }
            }
            String bad = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"a";
            byte[] notUtf8 = (bad + "\u0000\"}]}").getBytes(UTF_8);
            notUtf8[bad.length()] = (byte) 0xc0;
            HttpResponse<String> r = gw.postBytes("/v1/chat/completions", notUtf8);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("not valid UTF-8");
            tried++;
            int canaryHits = 0;
            try {
                canary.accept().close();
                canaryHits++;
            } catch (SocketTimeoutException none) {
                // nothing connected
            }
            assertThat(canaryHits).isZero();
            assertThat(gw.upstreamRecords()).hasSize(before);
            System.out.println("A10: " + members.size() + " members (n 4096, 100k logit_bias, 1000 tools, api_base,"
                    + " base_url, api_key, extra_headers, user_id) x top level / metadata / *_config x 2 dialects,"
                    + " and invalid UTF-8: " + tried + " tried, " + tried + " refused 400 naming the member, 0 reached"
                    + " upstream, canary host connections " + canaryHits);
        }
    }

    /**
     * A12: CR/LF and the like in what the gateway could copy into a header (the model name, tags, the Anthropic
     * version and beta headers, the path) never split a header line, upstream or back to the client.
     */
    @Test
    void shouldNeverLetInputSplitAHeaderLine() throws Exception {
        int before = gw.upstreamRecords().size();
        List<String[]> vectors = List.of(
                new String[] {"/v1/chat/completions", "", "demo\\r\\nX-Injected: 1"},
                new String[] {"/v1/chat/completions", "", "demo\\u000d\\u000aX-Injected: 1"},
                new String[] {"/v1/chat/completions", "X-Sluice-Project: p%0d%0aX-Injected: 1\r\n", "demo"},
                new String[] {"/v1/chat/completions%0d%0aX-Injected:%201", "", "demo"},
                new String[] {"/v1/chat/completions/../../admin/config", "", "demo"},
                new String[] {"/v1/messages", "anthropic-version: 2023-06-01%0d%0aX-Injected: 1\r\n", "demo"},
                new String[] {"/v1/messages", "anthropic-version: 2023-06-01\r\nanthropic-beta: b%0D%0AX-Injected: 1\r\n",
                    "demo"},
                new String[] {"/v1/chat/completions", "X-Request-Id: r\r\n X-Injected: 1\r\n", "demo"});
        int injected = 0;
        for (String[] v : vectors) {
            String body = "{\"model\":\"" + v[2] + "\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hi\"}]}";
            String answer;
            try (Socket s = new Socket("127.0.0.1", gw.port())) {
                s.setSoTimeout(30_000);
                s.getOutputStream().write(("POST " + v[0] + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nConnection: close\r\n" + v[1]
                        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(ISO_8859_1));
                answer = new String(s.getInputStream().readAllBytes(), ISO_8859_1);
            }
            String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
            injected += head.toLowerCase(Locale.ROOT).contains("x-injected") ? 1 : 0;
        }
        List<MockRecord> upstream = gw.upstreamRecords().subList(before, gw.upstreamRecords().size());
        for (MockRecord m : upstream) {
            injected += m.headers().containsKey("x-injected") ? 1 : 0;
            for (String value : m.headers().values()) {
                injected += value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 ? 1 : 0;
            }
        }
        assertThat(injected).isZero();
        System.out.println("A12: " + vectors.size() + " injection vectors (model, tags, anthropic-version/-beta,"
                + " path, request id): 0 injected lines observed by the provider (" + upstream.size()
                + " requests reached it, headers intact) or the client");
    }

    /** A gzip or deflate body that inflates to {@link #BOMB_INFLATED_BYTES}; 1 KiB of noise for the others. */
    private static byte[] bomb(String coding) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (coding.startsWith("gzip") || coding.equals("deflate")) {
            try (OutputStream z = coding.equals("deflate")
                    ? new DeflaterOutputStream(b, new Deflater(Deflater.BEST_COMPRESSION)) : new GZIPOutputStream(b)) {
                byte[] zeros = new byte[1 << 20];
                for (int i = 0; i < BOMB_INFLATED_BYTES >> 20; i++) {
                    z.write(zeros);
                }
            }
            return b.toByteArray();
        }
        byte[] noise = new byte[1024];
        new Random(coding.hashCode()).nextBytes(noise);
        return new String(noise, UTF_8).getBytes(UTF_8);
    }
}
