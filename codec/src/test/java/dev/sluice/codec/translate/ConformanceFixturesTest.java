package dev.sluice.codec.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Dialect;
import dev.sluice.codec.FinishReason;
import dev.sluice.codec.Usage;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every recorded case in {@code src/test/resources/translate/*.json}: the input, translated, must equal the
 * expected output as a JSON tree (ignoring the generated {@code id} and {@code created}), with the expected
 * warnings and, for responses, the expected usage.
 */
class ConformanceFixturesTest {

    static Stream<Path> cases() throws IOException, URISyntaxException {
        Path dir = Path.of(ConformanceFixturesTest.class.getResource("/translate").toURI());
        List<Path> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(dir)) {
            list.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().forEach(files::add);
        }
        return files.stream();
    }

    @Test
    void shouldHaveCasesInBothDirectionsForRequestsAndResponses() throws Exception {
        List<String> kinds = new ArrayList<>();
        for (Path p : (Iterable<Path>) cases()::iterator) {
            JsonNode c = WholeBodies.JSON.readTree(p.toFile());
            kinds.add(c.get("kind").textValue() + ":" + c.get("from").textValue() + ">" + c.get("to").textValue());
        }
        assertThat(kinds).hasSizeGreaterThanOrEqualTo(12)
                .contains("request:openai>anthropic", "request:anthropic>openai", "response:openai>anthropic",
                        "response:anthropic>openai");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void shouldTranslateRecordedCase(Path file) throws Exception {
        JsonNode c = WholeBodies.JSON.readTree(file.toFile());
        Dialect from = Dialect.valueOf(c.get("from").textValue().toUpperCase(Locale.ROOT));
        Dialect to = Dialect.valueOf(c.get("to").textValue().toUpperCase(Locale.ROOT));
        String input = WholeBodies.JSON.writeValueAsString(c.get("input"));
        TranslationWarnings warnings = new TranslationWarnings();
        JsonNode actual;
        if ("request".equals(c.get("kind").textValue())) {
            actual = WholeBodies.request(input, from, to, c.get("upstreamModel").textValue(),
                    c.get("stream").booleanValue(), c.get("defaultMaxTokens").longValue(), warnings);
        } else {
            Usage usage = new Usage();
            actual = WholeBodies.response(input, from, to, usage, warnings);
            assertGeneratedIds(actual, to);
            ((ObjectNode) actual).remove("id");
            ((ObjectNode) actual).remove("created");
            JsonNode u = c.get("usage");
            assertThat(usage.inputTokens).as("inputTokens").isEqualTo(u.get("inputTokens").longValue());
            assertThat(usage.outputTokens).as("outputTokens").isEqualTo(u.get("outputTokens").longValue());
            assertThat(usage.cachedTokens).as("cachedTokens").isEqualTo(u.get("cachedTokens").longValue());
            assertThat(usage.cacheWriteTokens).as("cacheWriteTokens").isEqualTo(u.get("cacheWriteTokens").longValue());
            assertThat(usage.finishReason).isEqualTo(FinishReason.valueOf(u.get("finishReason").textValue()));
        }
        assertThat(actual).as(file.getFileName().toString()).isEqualTo(c.get("expected"));
        List<String> expectedWarnings = new ArrayList<>();
        c.get("warnings").forEach(w -> expectedWarnings.add(w.textValue()));
        assertThat(warnings.droppedFields()).containsExactlyElementsOf(expectedWarnings);
    }

    private static void assertGeneratedIds(JsonNode actual, Dialect to) {
        if (to == Dialect.OPENAI) {
            assertThat(actual.get("id").textValue()).matches("chatcmpl-[A-Za-z0-9]{24}");
            assertThat(actual.get("created").longValue())
                    .isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000 + 1);
        } else {
            assertThat(actual.get("id").textValue()).matches("msg_[A-Za-z0-9]{24}");
            assertThat(actual.has("created")).isFalse();
        }
    }
}
