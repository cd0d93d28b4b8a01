package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Error and metadata leakage (RELIABILITY.md F4): a provider's server error carrying a stack trace, an internal host
 * name and a key prefix reaches the caller as the gateway's own error with the request id only, and none of the
 * gateway's own refusals, nor any response head, shows a Java class, a stack frame, a version banner or an
 * internal address.
 */
@Timeout(120)
class LeakageSystemTest {
    /** What a careless provider puts in a 5xx body. */
    private static final String PROVIDER_INTERNALS = "java.lang.NullPointerException: boom\n\tat io.netty.channel."
            + "AbstractChannel.write(AbstractChannel.java:42)\n\tat com.provider.Inference.run(Inference.java:7) on"
            + " gpu-worker-17.internal.provider.corp:8443 with key sk-proj-live-4f9a";
    private static final List<String> LEAKS = List.of("exception", "at io.", "at com.", "at java.", "at dev.",
            ".java:", "internal.provider.corp", "gpu-worker", "sk-proj", "netty", "dev.sluice", "server:",
            "x-powered-by", "127.0.0.1", "localhost");
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
    void shouldNeverShowTheCallerAProvidersInternalsOrTheGatewaysOwn() throws Exception {
        String internals = URLEncoder.encode(PROVIDER_INTERNALS, StandardCharsets.UTF_8);
        List<String> responses = new ArrayList<>();
        int upstreamErrors = 0;
        for (int status : new int[] {500, 502, 503, 504, 529}) {
            for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
                String body = "{\"model\":\"demo\",\"max_tokens\":5,\"stream\":" + (status % 2 == 0) + ",\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"hi [[mock status=" + status + " error_message=" + internals
                        + "]]\"}]}";
                String r = raw(post(path, body, true));
                assertThat(r).as("%d %s", status, path).startsWith("HTTP/1.1 " + status + " ")
                        .contains("failed to answer");
                JournalEntry e = gw.awaitEnd(header(r, "x-request-id"));
                assertThat(e.outcome()).isEqualTo("upstream_error");
                responses.add(r);
                upstreamErrors++;
            }
        }
        // The gateway's own refusals, one of each kind.
        String chat = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        responses.add(raw(post("/v1/chat/completions", chat, false)));                       // 401
        responses.add(raw(post("/v1/nope", chat, true)));                                    // 404
        responses.add(raw(request("GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))); // 405
        responses.add(raw(post("/v1/chat/completions", "{\"model\":", true)));                // 400 malformed
        responses.add(raw(post("/v1/chat/completions", "{\"model\":\"nope\",\"messages\":[]}", true))); // 404 model
        responses.add(raw(request("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n")));                                     // 400 framing
        responses.add(raw(request("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + TestGateway.DEMO_KEY + "\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\nConnection: close\r\n\r\n"
                + "{}")));                                                                     // 415
        responses.add(raw(request("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")));
        responses.add(raw(request("GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestGateway.DEMO_KEY
                + "\r\nConnection: close\r\n\r\n")));
        int leaking = 0;
        List<String> found = new ArrayList<>();
        for (String r : responses) {
            String lower = r.toLowerCase(Locale.ROOT);
            for (String leak : LEAKS) {
                if (lower.contains(leak)) {
                    leaking++;
                    found.add(leak + " in " + r);
                }
            }
        }
        assertThat(found).isEmpty();
        System.out.println("F4: " + responses.size() + " responses (" + upstreamErrors + " provider server errors"
                + " carrying a stack trace, an internal host and a key prefix, 500/502/503/504/529 x 2 dialects, JSON or"
                + " stream; and each kind of the gateway's own answer): " + leaking + " containing an"
                + " exception, a stack frame, a Java package, an internal host, a key, a Server banner or a loopback"
                + " address");
    }

    private static byte[] post(String path, String body, boolean withKey) throws IOException {
        return request("POST " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + (withKey ? "Authorization: Bearer " + TestGateway.DEMO_KEY + "\r\n" : "")
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body);
    }

    private static byte[] request(String raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            return s.getInputStream().readAllBytes();
        } catch (SocketException reset) {
            return new byte[0];
        }
    }

    private static String raw(byte[] response) {
        return new String(response, ISO_8859_1);
    }

    private static String header(String response, String name) {
        for (String line : response.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith(name + ":")) {
                return line.substring(name.length() + 1).trim();
            }
        }
        throw new AssertionError("no " + name + " in " + response);
    }
}
