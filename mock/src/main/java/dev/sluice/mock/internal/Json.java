package dev.sluice.mock.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/**
 * The shared Jackson mapper and small helpers for writing JSON text with an exact field order.
 *
 * <p>Thread-safe.
 */
public final class Json {
    /** The mapper used to read requests and write tree-built answers. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    /** Returns {@code s} as a quoted JSON string literal, or {@code null} when {@code s} is null. */
    public static String quote(final String s) {
        if (s == null) {
            return "null";
        }
        final StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, sb);
        return sb.append('"').toString();
    }

    /** Returns a new empty object node (keeps insertion order). */
    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    /** Returns the compact UTF-8 encoding of {@code node}. */
    public static byte[] bytes(final JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the compact text of {@code node}. */
    public static String text(final JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
