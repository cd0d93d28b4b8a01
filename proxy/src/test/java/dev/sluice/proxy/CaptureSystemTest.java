package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.Capture;
import dev.sluice.journal.CapturedAnswer;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.cli.JournalCommand;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The journal of record on the shipped configuration ({@code journal.capture: full}, redaction on): what was asked
 * is stored redacted, and the answer is stored as the client received it, byte for byte, in both dialects,
 * streamed or not, translated, with tool calls, truncated by the provider or cancelled by the client.
 */
@Timeout(300)
class CaptureSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOOLS = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";
    private static final String ANTHROPIC_TOOLS = ",\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":"
            + "\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}]";

    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private RequestHistory history(HttpResponse<?> r) {
        JournalEntry e = gw.awaitEnd(TestGateway.requestId(r));
        RequestHistory h = RequestHistory.find(List.of(gw.gateway().journalDir()), e.requestId());
        assertThat(h).isNotNull();
        return h;
    }

    @Test
    void shouldStoreTheMessageRedactedAndTheAnswerAsTheClientReceivedIt() throws Exception {
        gw = TestGateway.start();
        HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"demo\",\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"Please write to jane.doe@example.com about the invoice\"}]}");
        assertThat(r.statusCode()).isEqualTo(200);
        String id = TestGateway.requestId(r);
        gw.awaitEnd(id);

        StringWriter text = new StringWriter();
        int exit = new CommandLine(new JournalCommand()).setOut(new PrintWriter(text)).execute("show", id, "--json",
                "--data-dir", gw.dataDir().toString());
        assertThat(exit).isZero();
        JsonNode shown = JSON.readTree(text.toString());
        assertThat(shown.get("request_id").asText()).isEqualTo(id);
        assertThat(shown.get("capture").asText()).isEqualTo("full");
        assertThat(shown.get("key_id").asText()).isNotEmpty();
        assertThat(shown.get("model").asText()).isEqualTo("demo");
        assertThat(shown.get("provider").asText()).isEqualTo("mock");
        assertThat(shown.get("status").asInt()).isEqualTo(200);
        assertThat(shown.get("outcome").asText()).isEqualTo("ok");
        assertThat(shown.at("/request/messages/0/content").asText())
                .isEqualTo("Please write to [REDACTED:email] about the invoice");
        assertThat(shown.at("/response/text").asText()).isEqualTo(chatStreamText(r.body()));
        assertThat(shown.at("/response/finish_reason").asText()).isEqualTo("stop");
        assertThat(shown.at("/redactions/email").asInt()).isEqualTo(1);
        // The live journal verifies: every chain holds, every seal so far is signed by the key.
        StringWriter verified = new StringWriter();
        assertThat(new CommandLine(new JournalCommand()).setOut(new PrintWriter(verified)).execute("verify",
                "--data-dir", gw.dataDir().toString())).as(verified.toString()).isZero();
        assertThat(verified.toString().strip()).startsWith("OK: ");
        try (Stream<Path> files = Files.walk(gw.dataDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
                        .as(f.toString()).doesNotContain("jane.doe@example.com");
            }
        }
    }

    @Test
    void shouldStoreEveryAnswerAsTheClientReceivedItInBothDialectsStreamedOrNot() throws Exception {
        gw = TestGateway.start();
        int checked = 0;
        for (int i = 0; i < 200; i++) {
            int variant = i % 10;
            String tokens = " [[mock tokens=" + (3 + i % 17) + (variant == 8 ? " truncate_after=4" : "")
                    + (variant == 6 || variant == 7 ? " tool_call=" + (1 + i % 2) : "")
                    + (i % 20 == 3 ? " thinking=1" : "") + "]]";
            boolean stream = variant != 0 && variant != 2 && variant != 9;
            boolean messages = variant == 2 || variant == 3 || variant == 5 || variant == 7 || variant == 9;
            String model = switch (variant) {
                case 2, 3, 4, 7 -> "demo-claude";
                default -> "demo";
            };
            String tools = variant == 6 ? TOOLS : variant == 7 ? ANTHROPIC_TOOLS : "";
            String body = messages
                    ? "{\"model\":\"" + model + "\",\"max_tokens\":200,\"stream\":" + stream + tools
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"question " + i + tokens + "\"}]}"
                    : "{\"model\":\"" + model + "\",\"stream\":" + stream + tools
                            + ",\"messages\":[{\"role\":\"user\",\"content\":\"question " + i + tokens + "\"}]}";
            HttpResponse<String> r = gw.post(messages ? "/v1/messages" : "/v1/chat/completions", body);
            assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
            RequestHistory h = history(r);
            EndRecord end = h.entry().end();
            assertThat(end.capture()).isEqualTo(Capture.FULL);
            assertThat(new String(h.answer(), StandardCharsets.UTF_8)).as("request %d, variant %d", i, variant)
                    .isEqualTo(r.body());
            CapturedAnswer answer = h.assembledAnswer();
            assertThat(answer.text()).as("request %d", i).isEqualTo(clientText(r.body(), messages, stream));
            if (variant == 6 || variant == 7) {
                assertThat(answer.toolCalls()).as("request %d", i).hasSize(1 + i % 2);
                assertThat(answer.toolCalls().get(0).name()).isEqualTo("get_weather");
                assertThat(JSON.readTree(answer.toolCalls().get(0).arguments()).has("city")).isTrue();
            }
            if (variant != 8) {
                assertThat(answer.finishReason()).as("request %d", i).isNotNull();
            }
            assertThat(JSON.readTree(h.requestBody()).at("/messages/0/content").asText()).startsWith("question " + i);
            checked++;
        }
        assertThat(checked).isEqualTo(200);
    }

    @Test
    void shouldStoreWhatWasRelayedBeforeTheClientLeft() throws Exception {
        gw = TestGateway.start();
        HttpClient http = HttpClient.newHttpClient();
        for (int i = 0; i < 10; i++) {
            HttpRequest req = HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TestGateway.DEMO_KEY)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":true,\"messages\":"
                            + "[{\"role\":\"user\",\"content\":\"long [[mock tokens=200 token_ms=20]]\"}]}"))
                    .build();
            HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            byte[] got;
            try (InputStream in = r.body()) {
                got = in.readNBytes(300 + i * 50);
            }
            JournalEntry e = gw.awaitEnd(TestGateway.requestId(r));
            assertThat(e.outcome()).isEqualTo("client_cancelled");
            RequestHistory h = RequestHistory.find(List.of(gw.gateway().journalDir()), e.requestId());
            String stored = new String(h.answer(), StandardCharsets.UTF_8);
            assertThat(stored).startsWith(new String(got, StandardCharsets.UTF_8));
            assertThat(h.entry().end().capturedResponseBytes()).isEqualTo(h.answer().length);
        }
    }

    /** The text a client computes from the body it received, independently of the journal's reader. */
    private static String clientText(String body, boolean messages, boolean stream) throws Exception {
        if (!stream) {
            JsonNode j = JSON.readTree(body);
            if (messages) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode block : j.get("content")) {
                    if ("text".equals(block.path("type").asText())) {
                        sb.append(block.get("text").asText());
                    }
                }
                return sb.toString();
            }
            return j.at("/choices/0/message/content").asText("");
        }
        return messages ? messagesStreamText(body) : chatStreamText(body);
    }

    private static String chatStreamText(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode delta = JSON.readTree(line.substring(6)).at("/choices/0/delta/content");
                if (delta.isTextual()) {
                    sb.append(delta.asText());
                }
            }
        }
        return sb.toString();
    }

    private static String messagesStreamText(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String line : body.split("\n")) {
            if (line.startsWith("data: {")) {
                JsonNode event = JSON.readTree(line.substring(6));
                if ("text_delta".equals(event.at("/delta/type").asText())) {
                    sb.append(event.at("/delta/text").asText());
                }
            }
        }
        return sb.toString();
    }
}
