package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.mock.MockRecord;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Streams through a real gateway to the built-in mock provider, over loopback sockets. */
@Timeout(60)
class StreamingSystemTest {
    private TestGateway gw;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        gw = TestGateway.start();
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    /** A line as the client read it, with how many events the provider had sent by then and whether all. */
    private record Line(long atNs, String text, int providerEvents, boolean providerDone) {
    }

    private List<Line> streamLines(String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(gw.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> r = http.send(b.build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
        List<Line> lines = new ArrayList<>();
        lines.add(new Line(t0, "#request-id " + r.headers().firstValue("x-request-id").get(), 0, false));
        r.body().forEach(l -> {
            if (!l.isEmpty()) {
                List<MockRecord> upstream = gw.upstreamRecords();
                MockRecord last = upstream.isEmpty() ? null : upstream.get(upstream.size() - 1);
                lines.add(new Line(System.nanoTime(), l, last == null ? 0 : last.eventsSent(),
                        last != null && last.completed()));
            }
        });
        return lines;
    }

    private static String chat(String directive, boolean includeUsage) {
        return "{\"model\":\"demo\",\"stream\":true," + (includeUsage ? "\"stream_options\":{\"include_usage\":true},"
                : "") + "\"messages\":[{\"role\":\"user\",\"content\":\"hello " + directive + "\"}]}";
    }

    @Test
    void shouldRelayEventsAsTheProviderSendsThem() throws Exception {
        // The provider's events come 500 ms apart: the client must get the first while the provider has the rest to
        // send, not the whole stream at its end.
        List<Line> lines = streamLines("/v1/chat/completions",
                chat("[[mock tokens=6 first_token_ms=300 token_ms=500]]", false),
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        long t0 = lines.get(0).atNs();
        List<Line> data = lines.stream().filter(l -> l.text().startsWith("data: ")).toList();
        // role chunk + 6 content chunks + finish chunk + [DONE]
        assertThat(data).hasSize(9);
        assertThat(data.get(8).text()).isEqualTo("data: [DONE]");
        assertThat(data.get(0).providerEvents()).isPositive();
        assertThat(data.get(0).providerDone()).as("provider done when the first event reached the client").isFalse();
        System.out.printf("relay: first event after %d ms, first to last %d ms (reported, not asserted)%n",
                (data.get(0).atNs() - t0) / 1_000_000, (data.get(7).atNs() - data.get(0).atNs()) / 1_000_000);

        EndRecord end = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length())).end();
        assertThat(end.outcome().wireName()).isEqualTo("ok");
        assertThat(end.tokensOut()).isEqualTo(6);
        assertThat(end.tokensEstimated()).isFalse();
        assertThat(end.ttftMicros()).isPositive();
        assertThat(end.totalMicros()).isGreaterThan(end.ttftMicros());
        assertThat(end.costMicros()).isGreaterThan(0);
        assertThat(end.servedModel()).isEqualTo("mock-gpt");
        assertThat(end.provider()).isEqualTo("mock");
    }

    @Test
    void shouldAskProviderForUsageButHideThatChunkFromClientsThatDidNotAsk() throws Exception {
        List<Line> lines = streamLines("/v1/chat/completions", chat("[[mock tokens=3]]", false),
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        assertThat(lines).noneMatch(l -> l.text().contains("\"choices\":[]"));
        assertThat(lines).noneMatch(l -> l.text().contains("\"prompt_tokens\""));
        // Byte for byte what the provider sends without include_usage: no usage key at all.
        assertThat(lines).noneMatch(l -> l.text().contains("\"usage\""));
        assertThat(lines).filteredOn(l -> l.text().startsWith("data: {")).allMatch(l -> l.text().endsWith("}]}"));
        // The provider was asked for usage, and the journal has the provider's real counts.
        assertThat(new String(gw.upstreamRecords().get(0).body())).contains("\"include_usage\":true");
        JournalEntry e = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length()));
        assertThat(e.end().tokensOut()).isEqualTo(3);
        assertThat(e.end().tokensIn()).isGreaterThan(0);
        assertThat(e.end().tokensEstimated()).isFalse();
    }

    @Test
    void shouldPassUsageChunkToClientsThatAskedForIt() throws Exception {
        List<Line> lines = streamLines("/v1/chat/completions", chat("[[mock tokens=3 cached=2]]", true),
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        assertThat(lines).filteredOn(l -> l.text().startsWith("data: {") && !l.text().contains("\"choices\":[]"))
                .allMatch(l -> l.text().endsWith(",\"usage\":null}"));
        List<Line> usage = lines.stream().filter(l -> l.text().contains("\"choices\":[]")).toList();
        assertThat(usage).hasSize(1);
        assertThat(usage.get(0).text()).contains("\"completion_tokens\":3").contains("\"cached_tokens\":2");
        JournalEntry e = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length()));
        assertThat(e.end().tokensCached()).isEqualTo(2);
    }

    @Test
    void shouldStreamAnthropicMessagesWithEventLines() throws Exception {
        List<Line> lines = streamLines("/v1/messages",
                "{\"model\":\"demo-claude\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi [[mock tokens=4]]\"}]}",
                "x-api-key", TestGateway.DEMO_KEY, "anthropic-version", "2023-06-01");
        List<String> events = lines.stream().map(Line::text).filter(t -> t.startsWith("event: ")).toList();
        assertThat(events.get(0)).isEqualTo("event: message_start");
        assertThat(events.get(events.size() - 1)).isEqualTo("event: message_stop");
        assertThat(events).filteredOn(e -> e.equals("event: content_block_delta")).hasSize(4);
        // The Anthropic upstream got the model's provider name, never the client's alias.
        assertThat(new String(gw.upstreamRecords().get(0).body())).contains("\"model\":\"mock-claude\"");
        JournalEntry e = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length()));
        assertThat(e.end().tokensOut()).isEqualTo(4);
        assertThat(e.end().provider()).isEqualTo("mock-anthropic");
    }

    @Test
    void shouldStreamLegacyCompletions() throws Exception {
        List<Line> lines = streamLines("/v1/completions",
                "{\"model\":\"demo\",\"stream\":true,\"prompt\":\"Say [[mock tokens=5]]\"}",
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        List<String> data = lines.stream().map(Line::text).filter(t -> t.startsWith("data: ")).toList();
        assertThat(data.get(0)).contains("\"object\":\"text_completion\"");
        assertThat(data.get(data.size() - 1)).isEqualTo("data: [DONE]");
        assertThat(data).noneMatch(t -> t.contains("\"choices\":[]"));
        JournalEntry e = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length()));
        assertThat(e.end().tokensOut()).isEqualTo(5);
        assertThat(e.end().tokensEstimated()).isFalse();
    }

    @Test
    void shouldEndTruncatedStreamWithErrorEventNeverCleanly() throws Exception {
        List<Line> lines = streamLines("/v1/chat/completions", chat("[[mock tokens=10 truncate_after=4]]", false),
                "Authorization", "Bearer " + TestGateway.DEMO_KEY);
        List<String> data = lines.stream().map(Line::text).filter(t -> t.startsWith("data: ")).toList();
        assertThat(data).doesNotContain("data: [DONE]");
        assertThat(data.get(data.size() - 1)).startsWith("data: {\"error\":");
        assertThat(data).hasSize(5);
        JournalEntry e = gw.awaitEnd(lines.get(0).text().substring("#request-id ".length()));
        assertThat(e.outcome()).isEqualTo("upstream_truncated");
        assertThat(e.end().truncated()).isTrue();
        assertThat(e.end().tokensEstimated()).isTrue();
        assertThat(e.end().tokensOut()).isEqualTo(3);
    }

    @Test
    void shouldEndAnthropicStreamMissingMessageStopWithErrorEvent() throws Exception {
        List<Line> lines = streamLines("/v1/messages",
                "{\"model\":\"demo-claude\",\"max_tokens\":64,\"stream\":true,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"hi [[mock tokens=4 truncate_after=5 truncate_mode=clean]]\"}]}",
                "x-api-key", TestGateway.DEMO_KEY, "anthropic-version", "2023-06-01");
        List<String> text = lines.stream().map(Line::text).toList();
        assertThat(text).doesNotContain("event: message_stop");
        assertThat(text.get(text.size() - 2)).isEqualTo("event: error");
        assertThat(text.get(text.size() - 1)).startsWith("data: {\"type\":\"error\"");
    }
}
