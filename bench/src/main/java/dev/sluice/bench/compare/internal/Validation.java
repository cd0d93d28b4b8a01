package dev.sluice.bench.compare.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a target really proxies before it is measured: a JSON answer with content, a stream of exactly
 * {@code 22} {@code data:} lines ending with {@code [DONE]}, and a paced stream whose first event arrives well
 * before its end (a proxy that buffers would deliver it all at once). Thread-safe (stateless).
 */
public final class Validation {
    private Validation() {
    }

    /** The checks' findings; {@code ok} is true when all passed. */
    public static Map<String, Object> check(String url, List<String> headers) {
        Map<String, Object> out = new LinkedHashMap<>();
        boolean ok = true;
        try {
            Answer json = post(url, headers, Bodies.chat(BenchModel.MOCK, false));
            String text = new String(json.body, StandardCharsets.UTF_8);
            boolean jsonOk = json.status == 200 && text.contains("\"content\":\"Hello");
            out.put("json", Map.of("status", json.status, "bytes", json.body.length, "ok", jsonOk));
            Answer sse = post(url, headers, Bodies.chat(BenchModel.MOCK, true));
            List<String> data = dataLines(sse.body);
            boolean sseOk = sse.status == 200 && data.size() == BenchModel.MOCK.dataLines()
                    && data.get(data.size() - 1).equals("data: [DONE]");
            out.put("sse", Map.of("status", sse.status, "data_lines", data.size(), "bytes", sse.body.length,
                    "ok", sseOk));
            Answer paced = post(url, headers, Bodies.chat(BenchModel.TTFT20_ITL10, true));
            boolean streams = paced.status == 200 && paced.firstDataNs > 0
                    && paced.firstDataNs < paced.totalNs / 2;
            out.put("paced", Map.of("status", paced.status, "ttft_ms", round(paced.firstDataNs / 1e6),
                    "total_ms", round(paced.totalNs / 1e6), "streams", streams));
            ok = jsonOk && sseOk && streams;
        } catch (IOException | RuntimeException e) {
            out.put("error", e.toString());
            ok = false;
        }
        out.put("ok", ok);
        return out;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    static List<String> dataLines(byte[] body) {
        return new String(body, StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("data:")).toList();
    }

    private record Answer(int status, byte[] body, long firstDataNs, long totalNs) {
    }

    private static Answer post(String url, List<String> headers, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        c.setInstanceFollowRedirects(false);
        c.setDoOutput(true);
        c.setRequestMethod("POST");
        c.setRequestProperty("Content-Type", "application/json");
        for (String h : headers) {
            int colon = h.indexOf(':');
            c.setRequestProperty(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        long t0 = System.nanoTime();
        try (OutputStream o = c.getOutputStream()) {
            o.write(body);
        }
        int status = c.getResponseCode();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long firstDataNs = 0;
        try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
            byte[] buf = new byte[8192];
            int n;
            while (in != null && (n = in.read(buf)) > 0) {
                all.write(buf, 0, n);
                if (firstDataNs == 0 && all.toString(StandardCharsets.ISO_8859_1).contains("data:")) {
                    firstDataNs = System.nanoTime() - t0;
                }
            }
        }
        return new Answer(status, all.toByteArray(), firstDataNs, System.nanoTime() - t0);
    }
}
