package dev.sluice.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.compare.internal.BenchModel;
import dev.sluice.bench.compare.internal.Bodies;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

class BenchUpstreamSystemTest {
    private BenchUpstream upstream;

    @BeforeEach
    void start() throws InterruptedException {
        upstream = BenchUpstream.start(0);
    }

    @AfterEach
    void stop() {
        upstream.close();
    }

    private static byte[] request(byte[] body) {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    /** Reads until {@code end} has been seen; returns the text and the ms until {@code marker} first appeared. */
    private static String readUntil(InputStream in, String end, String marker, long[] markerMs) throws IOException {
        long t0 = System.nanoTime();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        while (!all.toString(StandardCharsets.UTF_8).contains(end)) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            all.write(buf, 0, n);
            if (markerMs != null && markerMs[0] < 0 && all.toString(StandardCharsets.UTF_8).contains(marker)) {
                markerMs[0] = (System.nanoTime() - t0) / 1_000_000;
            }
        }
        return all.toString(StandardCharsets.UTF_8);
    }

    /** The chunks of a whole chunked body (ASCII), in order, without the last empty one. */
    private static List<String> chunks(String body) {
        List<String> out = new ArrayList<>();
        int at = 0;
        while (true) {
            int crlf = body.indexOf("\r\n", at);
            int size = Integer.parseInt(body.substring(at, crlf), 16);
            if (size == 0) {
                assertThat(body.substring(crlf)).isEqualTo("\r\n\r\n");
                return out;
            }
            out.add(body.substring(crlf + 2, crlf + 2 + size));
            assertThat(body.substring(crlf + 2 + size, crlf + 4 + size)).isEqualTo("\r\n");
            at = crlf + 4 + size;
        }
    }

    private static List<String> dataLines(String text) {
        return text.lines().filter(l -> l.startsWith("data:")).toList();
    }

    @Test
    @Timeout(60)
    void shouldAnswerJsonWithContentLengthAndStreamsWith22DataLinesOnOneConnection() throws IOException {
        try (Socket s = new Socket("127.0.0.1", upstream.port())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();

            out.write(request(Bodies.chat(BenchModel.MOCK, false)));
            String json = readUntil(in, "}}", null, null);
            assertThat(json).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: application/json\r\n");
            String body = json.substring(json.indexOf("\r\n\r\n") + 4);
            assertThat(json).contains("content-length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n");
            assertThat(body).contains("\"object\":\"chat.completion\"", "\"model\":\"mock\"",
                    "\"content\":\"Hello there! This is a mock token", "\"finish_reason\":\"stop\"",
                    "\"completion_tokens\":20");
            assertThat(body.length()).isBetween(350, 500);

            out.write(request(Bodies.chat(BenchModel.MOCK, true)));
            String sse = readUntil(in, "data: [DONE]\n\n\r\n0\r\n\r\n", null, null);
            assertThat(sse).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n",
                    "content-type: text/event-stream");
            List<String> data = dataLines(sse);
            assertThat(data).hasSize(22);
            assertThat(data.get(0)).contains("\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"}");
            assertThat(data.get(20)).contains("\"finish_reason\":\"stop\"", "\"usage\":{\"prompt_tokens\":25,"
                    + "\"completion_tokens\":20,\"total_tokens\":45}");
            assertThat(data.get(21)).isEqualTo("data: [DONE]");
            assertThat(sse.length()).isBetween(4000, 6500);

            out.write(request(Bodies.chat(BenchModel.N40, true)));
            assertThat(dataLines(readUntil(in, "data: [DONE]\n\n\r\n0\r\n\r\n", null, null))).hasSize(42);
        }
    }

    @Test
    @Timeout(60)
    void shouldAnswerThePacedTtft20Itl10StreamWholeAndOneEventPerChunk() throws IOException {
        // The pacing itself (20 ms, then 10 ms apart) is UpstreamConnectionTest's, on the event loop's injected
        // clock; here the paced stream must reach a socket whole, each event in a chunk of its own.
        try (Socket s = new Socket("127.0.0.1", upstream.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request(Bodies.chat(BenchModel.TTFT20_ITL10, true)));
            long[] firstMs = {-1};
            long t0 = System.nanoTime();
            String sse = readUntil(s.getInputStream(), "0\r\n\r\n", "data:", firstMs);
            long totalMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(sse).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n");
            List<String> data = dataLines(sse);
            assertThat(data).hasSize(22).last().isEqualTo("data: [DONE]");
            assertThat(data.subList(0, 21)).allMatch(l -> l.contains("\"model\":\"mock-ttft20-itl10\""));
            List<String> chunks = chunks(sse.substring(sse.indexOf("\r\n\r\n") + 4));
            assertThat(chunks).hasSize(22).allMatch(c -> c.startsWith("data: ") && c.endsWith("\n\n")
                    && c.indexOf("\n\n") == c.length() - 2);
            assertThat(String.join("", chunks)).isEqualTo(String.join("\n\n", data) + "\n\n");
            System.out.printf("paced stream: first event after %d ms, end after %d ms (reported, not asserted)%n",
                    firstMs[0], totalMs);
        }
    }

    @Test
    @Timeout(60)
    void shouldRefuseUnknownModelsAndAnswerHealth() throws IOException {
        try (Socket s = new Socket("127.0.0.1", upstream.port())) {
            s.setSoTimeout(30_000);
            s.getOutputStream().write(request("{\"model\" : \"gpt-4o\"}".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readUntil(s.getInputStream(), "}}", null, null)).startsWith("HTTP/1.1 400 ")
                    .contains("unknown_model");
            s.getOutputStream().write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readUntil(s.getInputStream(), "\r\n\r\nok", null, null)).startsWith("HTTP/1.1 200 OK");
        }
    }
}
