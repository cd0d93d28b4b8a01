package dev.sluice.mock.internal;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code POST /v1/embeddings}: one unit-length vector per input, seeded by the input's text so equal inputs give
 * equal vectors. {@code dimensions} is honoured (default {@value #DEFAULT_DIMENSIONS}); with
 * {@code "encoding_format":"base64"} (the Node SDK's default, PROVIDERS.md 3.1) each vector is sent as base64 of
 * little-endian float32 values, otherwise as a float array.
 *
 * <p>Stateless, so thread-safe.
 */
public final class EmbeddingsResponder implements Responder {
    /** Vector length when the request names no {@code dimensions}. */
    public static final int DEFAULT_DIMENSIONS = 8;
    /** Largest accepted {@code dimensions}. */
    public static final int MAX_DIMENSIONS = 65_536;

    @Override
    public MockResponse respond(final MockRequest request) {
        final String model = request.model();
        final List<String> inputs = inputs(request.json().get("input"));
        final int dims = dimensions(request.json().get("dimensions"));
        final String format = request.json().path("encoding_format").asText("float");
        final boolean base64;
        if ("base64".equals(format)) {
            base64 = true;
        } else if ("float".equals(format)) {
            base64 = false;
        } else {
            throw new MockException(400, "encoding_format: " + format + " (expected: float or base64)",
                "invalid_value");
        }
        final StringBuilder sb = new StringBuilder(64 + inputs.size() * dims * 12).append("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < inputs.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            final float[] v = vector(inputs.get(i), dims);
            sb.append("{\"object\":\"embedding\",\"index\":").append(i).append(",\"embedding\":");
            if (base64) {
                sb.append('"').append(base64(v)).append('"');
            } else {
                sb.append('[');
                for (int d = 0; d < v.length; d++) {
                    if (d > 0) {
                        sb.append(',');
                    }
                    sb.append(v[d]);
                }
                sb.append(']');
            }
            sb.append('}');
        }
        final int promptTokens = request.promptTokens();
        sb.append("],\"model\":").append(Json.quote(model)).append(",\"usage\":{\"prompt_tokens\":").append(promptTokens)
            .append(",\"total_tokens\":").append(promptTokens).append("}}");
        return MockResponse.json(sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Returns the deterministic unit vector of {@code text}. */
    public static float[] vector(final String text, final int dims) {
        long seed = 0xcbf29ce484222325L;
        for (final byte b : text.getBytes(StandardCharsets.UTF_8)) {
            seed = (seed ^ (b & 0xff)) * 0x100000001b3L;
        }
        final SplittableRandom random = new SplittableRandom(seed);
        final float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (random.nextDouble() * 2 - 1);
            norm += v[i] * v[i];
        }
        final double scale = norm == 0 ? 1 : 1 / Math.sqrt(norm);
        for (int i = 0; i < dims; i++) {
            v[i] = (float) (v[i] * scale);
        }
        return v;
    }

    private static String base64(final float[] v) {
        final ByteBuffer buf = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (final float f : v) {
            buf.putFloat(f);
        }
        return Base64.getEncoder().encodeToString(buf.array());
    }

    private static int dimensions(final JsonNode node) {
        if (node == null || node.isNull()) {
            return DEFAULT_DIMENSIONS;
        }
        if (!node.canConvertToInt() || node.asInt() < 1 || node.asInt() > MAX_DIMENSIONS) {
            throw new MockException(400, "dimensions: " + node + " (expected: 1.." + MAX_DIMENSIONS + ")",
                "invalid_value");
        }
        return node.asInt();
    }

    /** Strings as they are; token arrays by their JSON text, so they seed a vector too. */
    private static List<String> inputs(final JsonNode input) {
        if (input == null || input.isNull()) {
            throw new MockException(400, "input: missing (expected: a string or an array)",
                "missing_required_parameter");
        }
        final List<String> out = new ArrayList<>();
        if (input.isTextual()) {
            out.add(input.asText());
        } else if (input.isArray() && !input.isEmpty() && input.get(0).isNumber()) {
            out.add(input.toString());
        } else if (input.isArray() && !input.isEmpty()) {
            for (final JsonNode item : input) {
                out.add(item.isTextual() ? item.asText() : item.toString());
            }
        } else {
            throw new MockException(400, "input: " + input + " (expected: a non-empty string or array)",
                "invalid_value");
        }
        return out;
    }
}
