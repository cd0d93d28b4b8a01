package dev.sluice.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Readies an {@link ObjectMapper} that event loops will use for trees: Jackson makes its tree deserializer and node
 * serializers on first use, under a lock, so two event loops reading their first bodies at once would wait on it (a
 * blocking call on an event loop). Warmed where the mapper is made, before any event loop has it, the caches are
 * filled and later uses take no lock. Thread-safe (stateless).
 */
public final class JacksonWarmUp {
    /** Every kind of node parsing makes: object, array, int, long, big integer, double, text, boolean, null. */
    private static final String SAMPLE = "{\"a\":[1,12345678901,12345678901234567890,2.5,\"s\",true,null,{\"b\":-1}]}";

    private JacksonWarmUp() {
    }

    /** Returns {@code mapper} after reading and writing trees with it once, from text, bytes and streams. */
    public static ObjectMapper warmed(ObjectMapper mapper) {
        try {
            JsonNode tree = mapper.readTree(SAMPLE);
            byte[] bytes = mapper.writeValueAsBytes(tree);
            mapper.readTree(bytes);
            mapper.readTree(new ByteArrayInputStream(bytes));
            mapper.writeValueAsString(tree);
            mapper.writeValue(OutputStream.nullOutputStream(), tree);
            // The root's class picks the serializer: an array at the top as well.
            mapper.writeValue(OutputStream.nullOutputStream(), tree.get("a"));
            mapper.writeValueAsString(tree.get("a"));
            return mapper;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
