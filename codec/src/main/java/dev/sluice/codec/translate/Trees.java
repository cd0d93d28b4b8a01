package dev.sluice.codec.translate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.JacksonWarmUp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.ByteBufOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Jackson trees for the whole-body translators: reading a buffer without moving its indices, writing compact UTF-8
 * JSON into a new buffer, typed field access that names the offending path, and generated ids. Thread-safe.
 */
final class Trees {
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    // The gateway caps body sizes before translation, so Jackson's own 20 MB string cap would only refuse large
    // base64 images that the provider accepts.
    static final ObjectMapper MAPPER = JacksonWarmUp.warmed(JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build());

    private static final char[] ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            .toCharArray();
    private static final int ID_CHARS = 24;

    private Trees() {
    }


    /** Parses the readable bytes of {@code body}; its indices and reference count are left as they were. */
    static JsonNode read(ByteBuf body) throws IOException {
        try (InputStream in = new ByteBufInputStream(body.duplicate())) {
            JsonNode node = MAPPER.readTree(in);
            if (node == null || node.isMissingNode()) {
                throw new IOException("empty body");
            }
            return node;
        }
    }

    /** Parses one JSON text held in a string (tool call arguments). */
    static JsonNode parse(String json) throws IOException {
        return MAPPER.readTree(json);
    }

    /** Serialises {@code node} as compact JSON text. */
    static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code node} as compact UTF-8 JSON into a new buffer from {@code alloc}; the caller owns it. */
    static ByteBuf write(ByteBufAllocator alloc, JsonNode node) {
        ByteBuf out = alloc.buffer();
        try (OutputStream os = new ByteBufOutputStream(out)) {
            MAPPER.writeValue(os, node);
            return out;
        } catch (IOException | RuntimeException e) {
            out.release();
            if (e instanceof IOException) {
                throw new UncheckedIOException((IOException) e);
            }
            throw (RuntimeException) e;
        }
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    /** {@code prefix} followed by 24 random base-62 characters, e.g. {@code chatcmpl-...} or {@code msg_...}. */
    static String id(String prefix) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(prefix.length() + ID_CHARS).append(prefix);
        for (int i = 0; i < ID_CHARS; i++) {
            sb.append(ALPHABET[random.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** Whether {@code node} is absent or JSON {@code null}. */
    static boolean absent(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode();
    }

    /** The string at {@code node}, {@code null} when absent; any other type is refused. */
    static String string(JsonNode node, String path) throws TranslationException {
        if (absent(node)) {
            return null;
        }
        if (!node.isTextual()) {
            throw new TranslationException(path, path + ": " + kind(node) + " (expected: a string)");
        }
        return node.textValue();
    }

    /** The string at {@code node}, which must be present. */
    static String requiredString(JsonNode node, String path) throws TranslationException {
        String s = string(node, path);
        if (s == null) {
            throw new TranslationException(path, path + ": missing (expected: a string)");
        }
        return s;
    }

    /** The whole number at {@code node}, {@code fallback} when absent; any other type is refused. */
    static long integer(JsonNode node, String path, long fallback) throws TranslationException {
        if (absent(node)) {
            return fallback;
        }
        if (!node.canConvertToExactIntegral() || !node.canConvertToLong()) {
            throw new TranslationException(path, path + ": " + node + " (expected: an integer)");
        }
        return node.asLong();
    }

    /** The array at {@code node}, which must be present. */
    static JsonNode requiredArray(JsonNode node, String path) throws TranslationException {
        if (node == null || !node.isArray()) {
            throw new TranslationException(path, path + ": " + kind(node) + " (expected: an array)");
        }
        return node;
    }

    /** The object at {@code node}, which must be present. */
    static JsonNode requiredObject(JsonNode node, String path) throws TranslationException {
        if (node == null || !node.isObject()) {
            throw new TranslationException(path, path + ": " + kind(node) + " (expected: an object)");
        }
        return node;
    }

    /** A short name of the JSON type for messages: {@code missing}, {@code null}, {@code a string}, ... */
    static String kind(JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "missing";
        }
        switch (node.getNodeType()) {
            case NULL:
                return "null";
            case STRING:
                return "a string";
            case NUMBER:
                return "a number";
            case BOOLEAN:
                return "a boolean";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            default:
                return node.getNodeType().name().toLowerCase(Locale.ROOT);
        }
    }

    /** A non-negative count at {@code node}, or -1 when absent or not a number. */
    static long count(JsonNode node) {
        if (node == null || !node.isNumber() || !node.canConvertToLong()) {
            return -1;
        }
        long n = node.asLong();
        return n < 0 ? -1 : n;
    }
}
