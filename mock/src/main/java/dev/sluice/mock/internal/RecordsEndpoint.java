package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.mock.MockRecord;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /_mock/records}: the records as a JSON array for out-of-process tests, bodies replaced by
 * {@code body_bytes} and {@code body_sha256}; credential header values are replaced by
 * {@code sha256:<hex>} so a test can still compare them without the mock echoing a key.
 *
 * <p>Thread-safe (stateless).
 */
public final class RecordsEndpoint {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private RecordsEndpoint() {
    }

    /** Returns the JSON array of {@code records}. */
    public static byte[] json(final List<MockRecord> records) {
        final ArrayNode array = F.arrayNode();
        for (final MockRecord r : records) {
            final ObjectNode o = array.addObject();
            o.put("id", r.id()).put("method", r.method()).put("path", r.path());
            final ObjectNode headers = o.putObject("headers");
            for (final Map.Entry<String, String> h : new TreeMap<>(r.headers()).entrySet()) {
                final boolean secret = h.getKey().equals("authorization") || h.getKey().equals("x-api-key");
                headers.put(h.getKey(), secret ? "sha256:" + sha256(h.getValue().getBytes(StandardCharsets.UTF_8))
                    : h.getValue());
            }
            final byte[] body = r.body();
            o.put("body_bytes", body.length).put("body_sha256", sha256(body));
            o.put("received_at_nanos", r.receivedAtNs()).put("status", r.status())
                .put("events_sent", r.eventsSent()).put("completed", r.completed()).put("cancelled", r.cancelled())
                .put("closed_at_nanos", r.closedAtNs());
        }
        return Json.bytes(array);
    }

    /** Returns the lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(final byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256: missing (expected: every JVM has it)", e);
        }
    }
}
