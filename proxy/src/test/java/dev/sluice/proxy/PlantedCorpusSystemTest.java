package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.testsupport.PlantedValues;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * RELIABILITY F5 and the journal of record: personal data and secrets planted in requests and, through the mock's
 * echo, in answers (streamed in small events, so values are split across them) never reach the disk. Afterwards
 * {@code grep -r} finds none of them anywhere in the data directory, and the END records count each one as its type.
 */
@Timeout(300)
class PlantedCorpusSystemTest {
    private static final int REQUESTS = 120;
    private static final int VALUES_PER_REQUEST = 5;
    private static final String[] FILLER = {"please", "send", "it", "to", "the", "team", "and", "note", "here"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldStoreNoPlantedValueAndCountEachOne() throws Exception {
        gw = TestGateway.start();
        Random rnd = new Random(20261204L);
        PlantedValues values = new PlantedValues(rnd);
        List<String> raws = new ArrayList<>();
        Map<String, Integer> planted = new TreeMap<>();
        Map<String, Integer> counted = new TreeMap<>();
        for (int i = 0; i < REQUESTS; i++) {
            StringBuilder text = new StringBuilder("request ").append(i).append(':');
            Map<String, Integer> here = new HashMap<>();
            for (int v = 0; v < VALUES_PER_REQUEST; v++) {
                text.append(' ').append(FILLER[rnd.nextInt(FILLER.length)]).append(' ');
                String type = PlantedValues.TYPES[rnd.nextInt(PlantedValues.TYPES.length)];
                values.raw = null;
                text.append(values.next(type)).append(rnd.nextBoolean() ? "," : " .");
                raws.add(values.raw);
                here.merge(type, 1, Integer::sum);
            }
            boolean messages = i % 2 == 1;
            boolean stream = i % 3 != 0;
            // The answer echoes the message in events of 2 to 7 characters: every value is in the answer too.
            String content = JSON.writeValueAsString(text + " [[mock echo=" + (2 + rnd.nextInt(6)) + "]]");
            String body = "{\"model\":\"" + (messages ? "demo-claude" : "demo") + "\",\"max_tokens\":4000,\"stream\":"
                    + stream + ",\"messages\":[{\"role\":\"user\",\"content\":" + content + "}]}";
            HttpResponse<String> r = gw.post(messages ? "/v1/messages" : "/v1/chat/completions", body);
            assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
            JournalEntry e = gw.awaitEnd(TestGateway.requestId(r));
            EndRecord end = e.end();
            for (int t = 0; t < end.redactionTypes(); t++) {
                counted.merge(end.redactionLabel(t), end.redactionCount(t), Integer::sum);
            }
            // In the request and in the answer.
            here.forEach((type, n) -> planted.merge(type, 2 * n, Integer::sum));
        }
        gw.stop();

        Path patterns = Files.createTempFile("planted-", ".txt");
        try {
            Files.write(patterns, raws.stream().map(PlantedCorpusSystemTest::firstLine).toList(),
                    StandardCharsets.UTF_8);
            Process grep = new ProcessBuilder("grep", "-r", "-a", "-F", "-l", "-f", patterns.toString(),
                    gw.dataDir().toString()).redirectErrorStream(true).start();
            String found = new String(grep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(grep.waitFor(120, TimeUnit.SECONDS)).isTrue();
            System.out.printf("planted corpus: %d values (%d in requests, as many in answers), types %s, counted %s;"
                    + " grep -r found them in: [%s]%n", 2 * raws.size(), raws.size(), planted, counted, found.strip());
            assertThat(found).as("files holding a planted value").isEmpty();
            assertThat(grep.exitValue()).as("grep exit (1: nothing found)").isEqualTo(1);
        } finally {
            Files.deleteIfExists(patterns);
        }
        assertThat(raws).hasSize(REQUESTS * VALUES_PER_REQUEST);
        assertThat(counted).isEqualTo(planted);
    }

    /** A PEM key spans lines: grep looks for its first line of key material. */
    private static String firstLine(String raw) {
        String[] lines = raw.split("\n");
        return lines.length > 1 ? lines[1] : raw;
    }
}
