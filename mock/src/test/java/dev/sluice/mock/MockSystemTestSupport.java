package dev.sluice.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Starts a provider on 127.0.0.1:0 per test and closes it and every client socket afterwards. */
abstract class MockSystemTestSupport {
    static final ObjectMapper MAPPER = new ObjectMapper();

    MockProvider provider;
    final List<RawHttp> clients = new ArrayList<>();

    @BeforeEach
    void startProvider() {
        provider = MockProvider.start("127.0.0.1", 0);
    }

    @AfterEach
    void stopProvider() throws IOException {
        for (final RawHttp c : clients) {
            c.close();
        }
        provider.close();
    }

    RawHttp client() throws IOException {
        final RawHttp c = new RawHttp(provider.port());
        clients.add(c);
        return c;
    }

    RawHttp.Response post(final String path, final String body, final String... headerPairs) throws IOException {
        return client().send("POST", path, headers(headerPairs), body).read();
    }

    RawHttp.Response get(final String path, final String... headerPairs) throws IOException {
        return client().send("GET", path, headers(headerPairs), null).read();
    }

    static Map<String, String> headers(final String... pairs) {
        final Map<String, String> h = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            h.put(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    static JsonNode json(final String text) throws IOException {
        return MAPPER.readTree(text);
    }

    /** The JSON of a {@code data: ...\n\n} frame (the last {@code data:} line of the chunk). */
    static JsonNode data(final RawHttp.Chunk chunk) throws IOException {
        final String text = chunk.text();
        final int at = text.lastIndexOf("data: ");
        return MAPPER.readTree(text.substring(at + 6).trim());
    }
}
