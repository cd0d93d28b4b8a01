package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

import io.netty.util.internal.PlatformDependent;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile request content against a real gateway (RELIABILITY.md A6): compressed bodies, from the client and from
 * the provider, are refused on their head and never inflated, so a decompression bomb costs the gateway nothing.
 * Each test prints its figure.
 */
@Timeout(120)
class HostileInputSystemTest {
    /** Every content coding of A6, and a stacked one. */
    private static final List<String> CODINGS = List.of("gzip", "deflate", "br", "zstd", "snappy", "gzip,gzip");
    /** What the gzip and deflate bombs inflate to. */
    private static final int BOMB_INFLATED_BYTES = 256 << 20;
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
