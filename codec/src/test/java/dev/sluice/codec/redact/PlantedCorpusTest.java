package dev.sluice.codec.redact;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import dev.sluice.testsupport.PlantedValues;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plants random values of every type in request bodies and in streamed answers split at random points (inside
 * values too, and escaped at random), and checks that none survives and that every one is counted as its type.
 */
class PlantedCorpusTest {
    private static final String[] FILLER = {"please", "send", "it", "to", "the", "team", "and", "also", "note",
        "that", "my", "is", "here", "we", "agreed", "ok"};

    /** One text with {@code n} planted values; raw values and counts per type recorded. */
    private static String plant(Random rnd, int n, List<String> raws, Map<String, Integer> planted) {
        PlantedValues values = new PlantedValues(rnd);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // Values are apart as in prose: by a word, or by punctuation.
            boolean bareSpace = sb.length() > 0 && sb.charAt(sb.length() - 1) == ' ' && sb.charAt(sb.length() - 2) != ',';
            for (int w = rnd.nextInt(4) + (bareSpace ? 1 : 0); w > 0; w--) {
                sb.append(FILLER[rnd.nextInt(FILLER.length)]).append(' ');
            }
            String type = PlantedValues.TYPES[rnd.nextInt(PlantedValues.TYPES.length)];
            values.raw = null;
            sb.append(values.next(type));
            raws.add(values.raw);
            planted.merge(type, 1, Integer::sum);
            sb.append(rnd.nextInt(3) == 0 ? ".\n" : rnd.nextBoolean() ? ", " : " ");
        }
        return sb.toString();
    }

    /** A JSON string literal; some characters escaped as {@code \\uXXXX} at random. */
    private static String quote(String s, Random rnd) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (rnd.nextInt(20) == 0) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static void assertCounts(RedactionCounts counts, Map<String, Integer> planted) {
        for (String type : PlantedValues.TYPES) {
            assertThat(counts.count(type)).as("count of %s", type).isEqualTo(planted.getOrDefault(type, 0));
        }
        assertThat(counts.total()).isEqualTo(planted.values().stream().mapToInt(Integer::intValue).sum());
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void shouldRedactEveryValuePlantedInRequestBodies(long seed) throws Exception {
        Random rnd = new Random(seed);
        List<String> raws = new ArrayList<>();
        Map<String, Integer> planted = new HashMap<>();
        JsonRedaction redaction = Redactor.builtIn().newJsonRedaction();
        RedactionCounts counts = new RedactionCounts();
        for (int body = 0; body < 25; body++) {
            StringBuilder json = new StringBuilder("{\"model\":\"gpt-4o\",\"messages\":[");
            for (int m = 0; m < 4; m++) {
                json.append(m == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":")
                    .append(quote(plant(rnd, 2, raws, planted), rnd)).append('}');
            }
            json.append("],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":")
                .append(quote(plant(rnd, 1, raws, planted), rnd)).append("}}]}");
            byte[] b = json.toString().getBytes(UTF_8);
            String out = new String(redaction.out(), 0, redaction.redact(b, 0, b.length, counts), UTF_8);
            JsonNode tree = Sse.JSON.readTree(out);
            String text = tree.toString();
            for (String raw : raws) {
                assertThat(out).doesNotContain(raw);
                assertThat(text).doesNotContain(raw);
            }
        }
        assertThat(raws).hasSizeGreaterThanOrEqualTo(225);
        assertCounts(counts, planted);
    }

    @ParameterizedTest
    @ValueSource(longs = {11, 12, 13})
    void shouldRedactEveryValuePlantedInStreamsSplitAtRandom(long seed) {
        Random rnd = new Random(seed);
        List<String> raws = new ArrayList<>();
        Map<String, Integer> planted = new HashMap<>();
        StreamRedaction stream = Redactor.builtIn().newStreamRedaction();
        RedactionCounts counts = new RedactionCounts();
        for (int s = 0; s < 12; s++) {
            String text = plant(rnd, 25, raws, planted);
            int dialect = rnd.nextInt(4);
            StringBuilder sse = new StringBuilder(dialect == 1 ? Sse.ANTHROPIC_START : "");
            for (int i = 0; i < text.length(); ) {
                int n = Math.min(text.length() - i, 1 + rnd.nextInt(rnd.nextBoolean() ? 4 : 40));
                String piece = quote(text.substring(i, i + n), rnd);
                i += n;
                sse.append(switch (dialect) {
                    case 0 -> "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + piece
                        + "}}]}\n\n";
                    case 1 -> "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                        + "\"delta\":{\"type\":\"text_delta\",\"text\":" + piece + "}}\n\n";
                    case 2 -> "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,"
                        + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":" + piece + "}}\n\n";
                    default -> "data: {\"type\":\"response.output_text.delta\",\"delta\":" + piece + "}\n\n";
                });
            }
            sse.append(dialect == 1 ? Sse.ANTHROPIC_STOP : Sse.OPENAI_DONE);
            byte[] all = sse.toString().getBytes(UTF_8);
            List<byte[]> chunks = Redact.pieces(all, rnd, 500);
            stream.reset();
            String out = Redact.stream(stream, chunks, counts);
            String field = switch (dialect) {
                case 0 -> "content";
                case 1 -> "text";
                case 2 -> "partial_json";
                default -> "delta";
            };
            String joined = Sse.joined(out, field);
            for (String raw : raws) {
                assertThat(out).doesNotContain(raw);
                assertThat(joined).doesNotContain(raw);
            }
        }
        assertThat(raws).hasSizeGreaterThanOrEqualTo(300);
        assertCounts(counts, planted);
    }
}
