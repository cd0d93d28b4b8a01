package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.RequestIds;
import dev.sluice.journal.cli.JournalCommand;
import dev.sluice.journal.Outcome;
import dev.sluice.proxy.cli.EvalCommand;
import dev.sluice.proxy.internal.BudgetSeeds;
import dev.sluice.routing.config.KeyDigester;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Shadow traffic end to end (issue: evaluation before scaling, shadow traffic): a sampled share of an alias's live
 * requests is copied to its shadow target through the gateway's own pipeline; a target that fails or stalls changes
 * no client answer; the shadow budget caps the copies (never exceeded by more than one reservation); shadows are
 * journaled with their primary, with use case {@code shadow} and billed to no key budget; and
 * {@code sluice eval shadow-report}'s counts equal the journal's. The client latency with and without shadow is
 * printed (measured, not asserted).
 */
@Timeout(300)
class ShadowSystemTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-shadow-test-key-0001";
    private static final String PRICE = "price: {input: 1.00, output: 2.00}";
    /** The capped declaration's hard budget: 0.002 in currency, 2000 micros. */
    private static final long CAP_MICROS = 2_000;
    /** The mock's timing in the latency comparison: a provider's first token after 40 ms, then one every 2 ms. */
    private static final String PROVIDER_TIMING = " first_token_ms=40 token_ms=2";
    private final ExecutorService threads = Executors.newFixedThreadPool(8);
    private TestGateway gw;

    @AfterEach
    void stop() {
        threads.shutdownNow();
        if (gw != null) {
            gw.close();
        }
    }

    private static String config() {
        String big = "budget: {period: day, hard: 100.00}";
        return "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "upstream: {connect_timeout_ms: 1000, first_byte_timeout_ms: 2000, idle_timeout_ms: 2000}\n"
                + "mock_provider: {enabled: true}\n"
                + "providers:\n  mock: {kind: openai, base_url: mock}\n  mock-anthropic: {kind: anthropic, "
                + "base_url: mock}\n"
                + "journal: {capture: full}\n"
                + "models:\n"
                + "  plain: {provider: mock, model: mock-gpt, " + PRICE + "}\n"
                + "  demo: {provider: mock, model: mock-gpt, " + PRICE + ", shadow: {target: candidate, sample: 0.5, "
                + big + "}}\n"
                + "  capped: {provider: mock, model: mock-gpt, " + PRICE + ", shadow: {target: candidate, sample: 1, "
                + "budget: {period: day, hard: 0.002}}}\n"
                + "  failing: {provider: mock, model: mock-gpt, " + PRICE + ", shadow: {target: broken, sample: 1, "
                + big + "}}\n"
                + "  stalling: {provider: mock, model: mock-gpt, " + PRICE + ", shadow: {target: stalled, sample: 1, "
                + big + "}}\n"
                + "  judged: {provider: mock, model: mock-gpt, " + PRICE + ", shadow: {target: longer, sample: 1, "
                + big + "}}\n"
                + "  candidate: {provider: mock-anthropic, model: mock-candidate, " + PRICE + "}\n"
                + "  longer: {provider: mock, model: mock-longer, " + PRICE + "}\n"
                + "  judge: {provider: mock, model: mock-judge, " + PRICE + "}\n"
                + "  broken: {provider: mock, model: mock-broken, " + PRICE + "}\n"
                + "  stalled: {provider: mock, model: mock-stalled, " + PRICE + "}\n"
                + "teams:\n  t: {}\n"
                + "keys:\n  - {id: k, hash: \"sha256:" + KeyDigester.sha256Hex(KEY) + "\", team: t, "
                + "models: [plain, demo, capped, failing, stalling, judged, judge], budget: {period: day, hard: 100.00}}\n";
    }

    /** A chat request whose answer is the mock's first {@code tokens} words. */
    private static String body(String model, int tokens, boolean stream) {
        return body(model, tokens, stream, "");
    }

    /** As above, with more mock parameters ({@code timing}, e.g. {@code " first_token_ms=40"}). */
    private static String body(String model, int tokens, boolean stream, String timing) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":50" + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"say it [[mock tokens=" + tokens + timing
                + "]]\"}]}";
    }

    private HttpResponse<String> post(String json) {
        return gw.post(KEY, "/v1/chat/completions", json);
    }

    /** The mock's answer of {@code tokens} words, as a client must see it. */
    private static String expected(int tokens) {
        StringBuilder b = new StringBuilder();
        String[] words = {"the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "and", "then",
            "rests", "by", "the", "calm", "river", "while", "soft", "rain", "falls"};
        for (int i = 0; i < tokens; i++) {
            b.append(words[i % words.length]).append(' ');
        }
        return b.toString();
    }

    /**
     * Sends {@code n} requests to {@code model} from 4 clients; checks every answer is 200 and exactly the mock's
     * text (streams: 200 and a clean end); returns the client latencies in microseconds.
     */
    private List<Long> load(String model, int n, boolean someStreams, AtomicInteger wrong) throws Exception {
        return load(model, n, someStreams, wrong, "");
    }

    /** As above, the mock answering with {@code timing} (its timing parameters). */
    private List<Long> load(String model, int n, boolean someStreams, AtomicInteger wrong, String timing)
            throws Exception {
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(threads.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n) {
                    int tokens = 3 + i % 7;
                    boolean stream = someStreams && i % 5 == 0;
                    long t0 = System.nanoTime();
                    HttpResponse<String> r = post(body(model, tokens, stream, timing));
                    latencies.add((System.nanoTime() - t0) / 1000);
                    boolean right;
                    try {
                        right = r.statusCode() == 200 && (stream ? r.body().contains("[DONE]")
                                && !r.body().contains("\"error\"")
                                : JSON.readTree(r.body()).path("choices").path(0).path("message").path("content")
                                .asText().equals(expected(tokens)));
                    } catch (IOException e) {
                        right = false;
                    }
                    if (!right) {
                        wrong.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : clients) {
            f.get();
        }
        return latencies;
    }

    private static String percentiles(List<Long> micros) {
        List<Long> v = new ArrayList<>(micros);
        Collections.sort(v);
        return String.format("p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", v.get(v.size() / 2) / 1000.0,
                v.get((int) Math.ceil(v.size() * 0.95) - 1) / 1000.0, v.get((int) Math.ceil(v.size() * 0.99) - 1)
                        / 1000.0);
    }

    private List<JournalEntry> shadowsOf(String source) {
        List<JournalEntry> out = new ArrayList<>();
        for (JournalEntry e : gw.journal()) {
            if (e.request().shadowOf() != 0 && source.equals(e.request().shadowSource())) {
                out.add(e);
            }
        }
        return out;
    }

    /** Waits until every shadow journaled has its END record, and returns them all. */
    private List<JournalEntry> settledShadows() {
        List<JournalEntry> all = new ArrayList<>();
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            all.clear();
            for (JournalEntry e : gw.journal()) {
                if (e.request().shadowOf() != 0) {
                    all.add(e);
                }
            }
            return all.stream().allMatch(JournalEntry::isFinished)
                    && gw.gateway().metrics().shadowCopies(true) == all.size();
        });
        return all;
    }

    @Test
    void shadowsNeverChangeTheClientsAnswerStayWithinTheirBudgetAndTheReportEqualsTheJournal() throws Exception {
        gw = TestGateway.startWith(config());
        gw.mock().behave("mock-broken", "status=500");
        gw.mock().behave("mock-stalled", "stall_ms=-1");
        gw.mock().behave("mock-longer", "tokens=30");
        gw.mock().behave("mock-judge", "judge=1");
        AtomicInteger wrong = new AtomicInteger();
        // Judged pairs: the shadow target answers 30 words where the primary answers the mock's default 12.
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = post("{\"model\":\"judged\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"question " + i + "\"}]}");
            if (r.statusCode() != 200 || !JSON.readTree(r.body()).path("choices").path(0).path("message")
                    .path("content").asText().equals(expected(12))) {
                wrong.incrementAndGet();
            }
        }

        // Latency with shadow off (plain) and on (demo, sample 0.5) from 4 clients, the mock answering as a provider
        // does (a first token after 40 ms, then one every 2 ms), in alternating blocks so drift hits both; two
        // halves of the "off" blocks against each other show the noise.
        load("plain", 100, true, wrong);
        load("demo", 100, true, wrong);
        List<Long> off = new ArrayList<>();
        List<Long> offEven = new ArrayList<>();
        List<Long> offOdd = new ArrayList<>();
        List<Long> on = new ArrayList<>();
        int blocks = Integer.getInteger("sluice.shadow.blocks", 6);
        for (int block = 0; block < blocks; block++) {
            List<Long> o = load("plain", 100, true, wrong, PROVIDER_TIMING);
            off.addAll(o);
            (block % 2 == 0 ? offEven : offOdd).addAll(o);
            on.addAll(load("demo", 100, true, wrong, PROVIDER_TIMING));
        }
        // A target that fails, one that never answers, and a budget that runs out.
        load("failing", 60, true, wrong);
        load("stalling", 60, true, wrong);
        load("capped", 80, false, wrong);
        assertThat(wrong.get()).as("client answers that were not the mock's own").isZero();

        List<JournalEntry> shadows = settledShadows();
        Map<String, Integer> perSource = new HashMap<>();
        for (JournalEntry e : shadows) {
            perSource.merge(e.request().shadowSource(), 1, Integer::sum);
            assertThat(e.request().useCase()).isEqualTo("shadow");
            assertThat(e.request().keyId()).isEqualTo("k");
        }
        int demoRequests = 100 + 100 * blocks;
        int demoShadows = perSource.getOrDefault("demo", 0);
        // Sampled at 0.5: outside 0.35..0.65 of them only if sampling is broken (over 5 standard deviations).
        assertThat(demoShadows).isBetween((int) (demoRequests * 0.35), (int) (demoRequests * 0.65));
        assertThat(perSource.get("failing")).isEqualTo(60);
        assertThat(perSource.get("stalling")).isEqualTo(60);
        assertThat(perSource.get("capped")).isEqualTo(80);
        for (JournalEntry e : shadowsOf("failing")) {
            assertThat(e.end().outcome()).isNotEqualTo(Outcome.OK);
        }
        for (JournalEntry e : shadowsOf("stalling")) {
            assertThat(e.end().outcome()).isNotEqualTo(Outcome.OK);
        }

        // The cap: what the capped declaration's shadows cost never passes its hard budget by more than one
        // reservation (the worst case of one request: its input estimate and 50 output tokens at the price).
        long cappedCost = 0;
        long cappedOk = 0;
        long cappedRefused = 0;
        for (JournalEntry e : shadowsOf("capped")) {
            cappedCost += Math.max(0, e.end().costMicros());
            cappedOk += e.end().outcome() == Outcome.OK ? 1 : 0;
            cappedRefused += e.end().outcome() == Outcome.REJECTED ? 1 : 0;
        }
        long oneReservation = 50 * 2 + 100;
        assertThat(cappedRefused).as("the budget ran out").isPositive();
        assertThat(cappedCost).isLessThanOrEqualTo(CAP_MICROS + oneReservation);

        // A restarted gateway's budgets, rebuilt from the journal, bill the shadows to their declarations only.
        Map<String, Long> seeds = BudgetSeeds.fromJournal(gw.gateway().config(), gw.gateway().journalDir(),
                System.currentTimeMillis());
        long clientCost = 0;
        for (JournalEntry e : gw.journal()) {
            if (e.request().shadowOf() == 0 && e.isFinished() && e.end().costMicros() > 0) {
                clientCost += e.end().costMicros();
            }
        }
        assertThat(seeds.get("shadow:capped")).isEqualTo(cappedCost);
        assertThat(seeds.get("key:k")).as("the key's budget holds its own requests only").isEqualTo(clientCost);

        // The primaries: every shadow links to a client request of its source alias, journaled before it.
        Map<Long, JournalEntry> byId = new HashMap<>();
        for (JournalEntry e : gw.journal()) {
            byId.put(e.requestId(), e);
        }
        for (JournalEntry s : shadows) {
            JournalEntry p = byId.get(s.request().shadowOf());
            assertThat(p).isNotNull();
            assertThat(p.request().requestedModel()).isEqualTo(s.request().shadowSource());
            assertThat(p.request().shadowOf()).isZero();
        }

        // journal show of a shadow links to its primary.
        JournalEntry one = shadowsOf("demo").get(0);
        StringWriter shown = new StringWriter();
        int shownRc = new CommandLine(new JournalCommand()).setOut(new PrintWriter(shown))
                .setErr(new PrintWriter(new StringWriter())).execute("show", RequestIds.format(one.requestId()),
                        "--json", "--data-dir", gw.dataDir().toString());
        assertThat(shownRc).isZero();
        JsonNode shownJson = JSON.readTree(shown.toString());
        assertThat(shownJson.path("shadow_of").asText()).isEqualTo(RequestIds.format(one.request().shadowOf()));
        assertThat(shownJson.path("shadow_source").asText()).isEqualTo("demo");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("shadow-report", "--json", "--data-dir", gw.dataDir().toString());
        assertThat(rc).as(err.toString()).isZero();
        JsonNode report = JSON.readTree(out.toString());
        Map<String, JsonNode> groups = new HashMap<>();
        for (JsonNode g : report.path("groups")) {
            groups.put(g.path("source").asText(), g);
        }
        for (Map.Entry<String, Integer> e : perSource.entrySet()) {
            JsonNode g = groups.get(e.getKey());
            long ok = 0;
            long refused = 0;
            for (JournalEntry s : shadowsOf(e.getKey())) {
                ok += s.end().outcome() == Outcome.OK ? 1 : 0;
                refused += s.end().outcome() == Outcome.REJECTED ? 1 : 0;
            }
            assertThat(g.path("shadows").asLong()).as(e.getKey()).isEqualTo((long) e.getValue());
            assertThat(g.path("shadow_ok").asLong()).as(e.getKey()).isEqualTo(ok);
            assertThat(g.path("shadow_refused").asLong()).as(e.getKey()).isEqualTo(refused);
            assertThat(g.path("primary").path("requests").asLong()).isEqualTo((long) e.getValue());
        }
        JsonNode demo = groups.get("demo");
        assertThat(demo.path("target").asText()).isEqualTo("candidate");
        assertThat(demo.path("shadow").path("answers_captured").asLong()).isPositive();
        assertThat(demo.path("shadow").path("answered_rate").asDouble()).isEqualTo(1.0);
        assertThat(groups.get("capped").path("shadow").path("cost_micros").asLong()).isEqualTo(cappedCost);

        // The judge: the mock judge prefers the longer answer, so every judged pair's shadow wins, whichever
        // position (A or B) it was shown in, and the demo pairs (answers of equal length) are ties.
        out.getBuffer().setLength(0);
        rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("shadow-report", "--json", "--data-dir", gw.dataDir().toString(), "--judge", "judge",
                        "--url", gw.baseUrl(), "--key", KEY);
        assertThat(rc).as(err.toString()).isZero();
        Map<String, JsonNode> judged = new HashMap<>();
        for (JsonNode g : JSON.readTree(out.toString()).path("groups")) {
            judged.put(g.path("source").asText(), g.path("judge"));
        }
        assertThat(judged.get("judged").path("shadow_better").asLong()).isEqualTo(20);
        assertThat(judged.get("judged").path("primary_better").asLong()).isZero();
        assertThat(judged.get("demo").path("tie").asLong()).isEqualTo(demoShadows);
        assertThat(judged.get("demo").path("shadow_better").asLong() + judged.get("demo").path("primary_better")
                .asLong() + judged.get("demo").path("no_verdict").asLong()).isZero();
        long judgeRequests = gw.journal().stream().filter(e -> "judge".equals(e.request().requestedModel())
                && "eval".equals(e.request().useCase())).count();
        assertThat(judgeRequests).as("the judge is asked through the gateway, use case eval")
                .isEqualTo(20 + demoShadows + perSource.get("capped") - cappedRefused);

        out.getBuffer().setLength(0);
        rc = new CommandLine(new EvalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("shadow-report", "--data-dir", gw.dataDir().toString());
        assertThat(rc).isZero();
        assertThat(out.toString()).contains("demo -> candidate").contains("primary").contains("shadow");
        System.out.printf("shadow: client latency, %d requests each from 4 clients, the mock's first token after 40 ms, "
                + "then one every 2 ms; shadow off (plain): "
                + "%s; shadow on at sample 0.5 (demo): %s; noise, off against off (alternate blocks): %s against %s%n",
                off.size(), percentiles(off), percentiles(on), percentiles(offEven), percentiles(offOdd));
        System.out.printf("shadow: %d of %d demo requests shadowed; failing target: 60 shadows, 0 OK; stalled target: "
                + "60 shadows, 0 OK; client answers changed: %d; capped: %d shadows, %d answered, %d refused, cost %d "
                + "micros against a hard budget of %d (one reservation %d); report counts equal the journal's for %d "
                + "declarations; judge: 20 of 20 judged pairs prefer the longer shadow, %d demo pairs tie%n",
                demoShadows, demoRequests, wrong.get(), perSource.get("capped"), cappedOk,
                cappedRefused, cappedCost, CAP_MICROS, oneReservation, perSource.size(), demoShadows);
        System.out.println(out);
    }

    @Test
    void anAgentsShadowCopiesItsRenderedRequestToAnotherModel() throws Exception {
        Path dir = Files.createTempDirectory("sluice-shadow-agent");
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, config().replace("models: [plain, demo, capped, failing, stalling, judged, judge]",
                "models: [plain], agents: [helper]"));
        Path agent = Files.createDirectories(dir.resolve("agents/helper"));
        Files.writeString(agent.resolve("agent.yaml"), "owners: [ann]\nmodel: plain\nshadow: {target: candidate, "
                + "sample: 1, budget: {period: day, hard: 10.00}}\n");
        Files.writeString(agent.resolve("prompt.md"), "You help {{customer}} with shadows.");
        gw = TestGateway.startFrom(conf, dir);
        AtomicInteger wrong = new AtomicInteger();
        for (int i = 0; i < 10; i++) {
            int tokens = 3 + i;
            HttpResponse<String> r = post("{\"model\":\"agent/helper\",\"variables\":{\"customer\":\"Ada\"},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"go [[mock tokens=" + tokens + "]]\"}]}");
            if (r.statusCode() != 200 || !JSON.readTree(r.body()).path("choices").path(0).path("message")
                    .path("content").asText().equals(expected(tokens))) {
                wrong.incrementAndGet();
            }
        }
        assertThat(wrong.get()).isZero();
        List<JournalEntry> shadows = settledShadows();
        assertThat(shadows).hasSize(10);
        for (JournalEntry e : shadows) {
            assertThat(e.request().shadowSource()).isEqualTo("agent/helper");
            assertThat(e.request().agent()).isEqualTo("helper");
            assertThat(e.request().agentVersion()).isNotNull();
            assertThat(e.request().requestedModel()).isEqualTo("candidate");
            assertThat(e.end().outcome()).isEqualTo(Outcome.OK);
        }
        long rendered = gw.upstreamRecords().stream()
                .filter(m -> new String(m.body(), StandardCharsets.UTF_8).contains("mock-candidate"))
                .filter(m -> new String(m.body(), StandardCharsets.UTF_8).contains("You help Ada with shadows."))
                .count();
        System.out.printf("shadow: agent/helper, sample 1: 10 requests, 10 shadows to candidate (Anthropic, "
                + "translated) with the rendered prompt, %d client answers changed%n", wrong.get());
        assertThat(rendered).as("the candidate got the agent's rendered prompt").isEqualTo(10);
    }

    @Test
    void aForgedShadowTicketIsABadKey() throws Exception {
        gw = TestGateway.startWith(config());
        for (String ticket : new String[] {"x.1", "0".repeat(48) + ".1", ""}) {
            HttpResponse<String> r = gw.post(KEY, "/v1/chat/completions", body("plain", 3, false), "x-sluice-shadow",
                    ticket.isEmpty() ? " " : ticket);
            assertThat(r.statusCode()).as(ticket).isEqualTo(401);
        }
        assertThat(gw.journal().stream().filter(e -> e.request().shadowOf() != 0)).isEmpty();
    }
}
