package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.proxy.internal.ClientRoutes;
import dev.sluice.proxy.internal.ClientRoutes.Route;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The client listener answers its route inventory and nothing else (RELIABILITY.md E5), and speaks no HTTP/2
 * (A11: off, so proven off). Every inventory route but {@code /healthz} refuses a request without a key; path
 * tricks, foreign paths and other methods get 404 or 405 and reach no provider. Over raw sockets, so that no client
 * library normalises a path first.
 */
@Timeout(120)
class RouteInventorySystemTest {
    private static final String BODY = "{\"model\":\"demo\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"route-probe\"}]}";
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
    void shouldAnswerItsInventoryAndNothingElse() throws Exception {
        int upstreamBefore = gw.upstreamRecords().size();
        int keyed = 0;
        int withoutKeyCheck = 0;
        for (Route r : ClientRoutes.INVENTORY) {
            String path = r.path().replace("{id}", "demo");
            int status = status(request(r.method(), path, false));
            if (r.keyRequired()) {
                keyed++;
                withoutKeyCheck += status == 401 ? 0 : 1;
                assertThat(status).as("%s %s without a key", r.method(), path).isEqualTo(401);
                if (r.method().equals("GET")) {
                    assertThat(status(request("GET", path, true))).as("GET %s with the key", path).isEqualTo(200);
                }
            } else {
                assertThat(status).as("%s %s", r.method(), path).isEqualTo(200);
            }
        }

        List<String> probes = new ArrayList<>();
        List<String[]> tried = new ArrayList<>();
        for (Route r : ClientRoutes.INVENTORY) {
            String p = r.path().replace("{id}", "demo");
            for (String trick : List.of("/" + p, p + "/", p.substring(0, p.lastIndexOf('/')) + "%2F"
                    + p.substring(p.lastIndexOf('/') + 1), "/v1/." + p.substring(3), "/v1/x/.." + p.substring(3),
                    p.toUpperCase(Locale.ROOT), p + ";x", p + "%00", p + "%20", "http://127.0.0.1" + p)) {
                if (!r.path().contains("{id}")) {
                    probes.add(r.method() + " " + trick);
                }
            }
            for (String m : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE")) {
                if (!m.equals(r.method())) {
                    tried.add(new String[] {m, p, "405"});
                }
            }
        }
        for (String foreign : List.of("/", "/v1", "/v1/", "/v1/files", "/v1/batches", "/v1/fine_tuning/jobs",
                "/v1/images/generations", "/v1/audio/speech", "/v1/assistants", "/v1/realtime",
                "/openai/deployments/demo/chat/completions", "/v1/proxy/chat/completions", "/proxy/v1/chat/completions",
                "/chat/completions", "/admin/config", "/admin/keys", "/admin/reload", "/metrics", "/v2/chat/completions",
                "/v1/chat/completions/stream", "/v1/messages/count_tokens", "/v1/messages/batches",
                "/.well-known/security.txt", "/healthz/../admin/config")) {
            probes.add("POST " + foreign);
            probes.add("GET " + foreign);
        }
        for (String p : probes) {
            int sp = p.indexOf(' ');
            tried.add(new String[] {p.substring(0, sp), p.substring(sp + 1), "404"});
        }
        int answered = 0;
        for (String[] t : tried) {
            int status = status(request(t[0], t[1], true));
            assertThat(String.valueOf(status)).as("%s %s", t[0], t[1]).isEqualTo(t[2]);
            answered += status == 200 ? 1 : 0;
        }
        assertThat(gw.upstreamRecords()).as("nothing reached a provider").hasSize(upstreamBefore);
        System.out.println("E5: " + ClientRoutes.INVENTORY.size() + " inventory routes, " + keyed + " need a key (401"
                + " without one), /healthz alone open; routes without the key check: " + withoutKeyCheck + "; "
                + tried.size() + " probes (path tricks x routes, foreign paths, other methods, with a valid key):"
                + " 0 answered but 404/405 (" + answered + " served), 0 reached a provider");
    }

    @Test
    void shouldSpeakNoHttp2() throws Exception {
        int upstreamBefore = gw.upstreamRecords().size();
        // Prior knowledge (h2c): the connection preface is not HTTP/1.1.
        String preface = new String(request("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(ISO_8859_1)), ISO_8859_1);
        assertThat(preface).startsWith("HTTP/1.1 4");
        // Upgrade: answered as HTTP/1.1, never 101 Switching Protocols.
        String upgrade = new String(request(("GET /v1/models HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nAuthorization: Bearer "
                + TestGateway.DEMO_KEY + "\r\n\r\n").getBytes(ISO_8859_1)), ISO_8859_1);
        assertThat(upgrade).startsWith("HTTP/1.1 200 ").doesNotContain("101 Switching");
        assertThat(gw.upstreamRecords()).hasSize(upstreamBefore);
        System.out.println("A11: HTTP/2 off: the h2c preface got " + preface.substring(0, 12) + " and a close,"
                + " Upgrade: h2c got an HTTP/1.1 200 (no 101), 0 HTTP/2 frames sent; the h2 attacks do not apply");
    }

    private static byte[] request(String method, String target, boolean withKey) throws IOException {
        boolean body = method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
        String head = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                + (withKey ? "Authorization: Bearer " + TestGateway.DEMO_KEY + "\r\n" : "")
                + (body ? "Content-Type: application/json\r\nContent-Length: " + BODY.length() + "\r\n\r\n" + BODY
                : "\r\n");
        return request(head.getBytes(ISO_8859_1));
    }

    private static byte[] request(byte[] raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(raw);
            return s.getInputStream().readAllBytes();
        } catch (SocketException reset) {
            return new byte[0];
        }
    }

    private static int status(byte[] response) {
        String r = new String(response, ISO_8859_1);
        return r.startsWith("HTTP/1.1 ") ? Integer.parseInt(r.substring(9, 12)) : -1;
    }
}
