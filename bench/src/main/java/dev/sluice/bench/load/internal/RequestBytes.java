package dev.sluice.bench.load.internal;

import dev.sluice.bench.load.LoadSpec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Encodes the one request a load run repeats, once, as HTTP/1.1 bytes. Thread-safe (stateless). */
public final class RequestBytes {
    private RequestBytes() {
    }

    /** The request line, {@code Host}, the spec's headers, framing headers and the body. */
    public static byte[] encode(LoadSpec spec) {
        byte[] body = spec.body();
        StringBuilder head = new StringBuilder(256);
        head.append(body == null ? "GET " : "POST ").append(spec.path()).append(" HTTP/1.1\r\n");
        head.append("Host: ").append(spec.host()).append(':').append(spec.port()).append("\r\n");
        boolean contentType = false;
        for (String h : spec.headers()) {
            int colon = h.indexOf(':');
            String name = h.substring(0, colon).trim();
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.equals("host") || lower.equals("content-length") || lower.equals("transfer-encoding")) {
                throw new IllegalArgumentException("header: " + name + " (set by the driver)");
            }
            contentType |= lower.equals("content-type");
            head.append(name).append(": ").append(h.substring(colon + 1).trim()).append("\r\n");
        }
        if (body != null) {
            if (!contentType) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + (body == null ? 0 : body.length));
        out.writeBytes(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }
}
