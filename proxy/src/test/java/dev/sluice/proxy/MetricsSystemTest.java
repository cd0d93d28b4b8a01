package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.AdminRecord;
import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.Outcome;
import dev.sluice.journal.RecordVisitor;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /metrics} after a workload of every kind (plain and streamed answers, an agent, a fallback, an
 * upstream error, two teams, a soft budget crossed): every family has its HELP and TYPE lines, the names and label
 * names are exactly the pinned ones (dashboards and alerts depend on them), the counts and sums equal the journal's,
 * the soft threshold is an alert (a gauge, a count and one ADMIN record), and {@code promtool check metrics} finds
 * nothing to say about the exposition, nor {@code promtool check rules} about {@code conf/prometheus-alerts.yml}.
 */
class MetricsSystemTest {
    private static final String KEY_DEMO = "sk-metrics-demo-0001";
    private static final String KEY_OTHER = "sk-metrics-other-0001";

    /**
     * Every family and its label names. A change here changes what dashboards and alert rules read: say so in the
     * README's metrics table and in the release notes.
     */
    private static final Map<String, Set<String>> PINNED = pinned(
            "sluice_requests_total", "",
            "sluice_request_outcomes_total", "outcome",
            "sluice_active_streams", "",
            "sluice_journal_full_total", "",
            "sluice_retries_delayed_total", "",
            "sluice_translation_dropped_fields_total", "",
            "sluice_request_body_scans_total", "",
            "sluice_client_connections", "",
            "sluice_client_connections_cap", "",
            "sluice_requests_in_flight", "",
            "sluice_memory_short", "",
            "sluice_heap_live_bytes", "",
            "sluice_heap_max_bytes", "",
            "sluice_direct_used_bytes", "",
            "sluice_direct_pinned_bytes", "",
            "sluice_direct_max_bytes", "",
            "sluice_overloaded_total", "",
            "sluice_connections_refused_total", "",
            "sluice_connections_displaced_total", "",
            "sluice_shadow_copies_total", "result",
            "sluice_client_timeouts_total", "wait",
            "sluice_admission_healthy", "",
            "sluice_trace_spans_total", "result",
            "sluice_deployment_circuit_open", "alias deployment",
            "sluice_deployment_failures_total", "alias deployment kind",
            "sluice_budget_spent", "scope period",
            "sluice_budget_limit", "scope period kind",
            "sluice_budget_soft_exceeded", "scope period",
            "sluice_budget_soft_alerts_total", "",
            "sluice_request_duration_seconds", "alias deployment",
            "sluice_time_to_first_token_seconds", "alias deployment",
            "sluice_tokens_total", "team model agent type",
            "sluice_cost_total", "team model agent",
            "gen_ai_client_operation_duration_seconds",
            "gen_ai_operation_name gen_ai_provider_name gen_ai_request_model gen_ai_response_model error_type",
            "gen_ai_client_token_usage",
            "gen_ai_operation_name gen_ai_provider_name gen_ai_request_model gen_ai_response_model gen_ai_token_type",
            "gen_ai_server_time_to_first_token_seconds",
            "gen_ai_operation_name gen_ai_provider_name gen_ai_request_model gen_ai_response_model",
            "gen_ai_server_time_per_output_token_seconds",
            "gen_ai_operation_name gen_ai_provider_name gen_ai_request_model gen_ai_response_model",
            "process_cpu_seconds_total", "",
            "process_open_fds", "",
            "process_max_fds", "",
            "process_virtual_memory_bytes", "",
            "process_resident_memory_bytes", "",
            "process_start_time_seconds", "",
            "jvm_memory_used_bytes", "area",
            "jvm_memory_committed_bytes", "area",
            "jvm_memory_max_bytes", "area",
            "jvm_buffer_pool_used_bytes", "pool",
            "jvm_threads_current", "",
            "jvm_threads_daemon", "",
            "jvm_classes_currently_loaded", "",
            "jvm_gc_collection_seconds", "gc");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void everyFamilyIsPinnedDocumentedCountedAsTheJournalAndPassesPromtool() throws Exception {
        gw = TestGateway.startWith(fallbackConfig("",
                "  claude: {provider: mock-anthropic, model: mock-claude, " + GovernanceSystemTest.PRICE + "}\n",
                "teams:\n  demo: {budget: {period: day, soft: 0.0001}}\n  other: {}\n"
                + "keys:\n"
                + GovernanceSystemTest.keyLine("kd", KEY_DEMO, "agents: [demo-agent]").replace("team: t", "team: demo")
                + GovernanceSystemTest.keyLine("ko", KEY_OTHER, "").replace("team: t", "team: other")));

        for (int i = 0; i < 6; i++) {
            assertThat(chat(KEY_DEMO, "demo", "[[mock tokens=7]]", false).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = chat(KEY_DEMO, "demo", "[[mock tokens=5]]", true);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("[DONE]");
        }
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = gw.post(KEY_DEMO, "/v1/chat/completions", "{\"model\":\"agent/demo-agent\","
                    + "\"variables\":{\"customer\":\"Ada\"},\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"hello [[mock tokens=9]]\"}]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(chat(KEY_DEMO, "sturdy", "[[mock tokens=3]]", false).statusCode()).isEqualTo(200);
        }
        assertThat(chat(KEY_DEMO, "demo", "[[mock status=500]]", false).statusCode()).isGreaterThanOrEqualTo(500);
        for (int i = 0; i < 3; i++) {
            assertThat(chat(KEY_OTHER, "claude", "[[mock tokens=4]]", false).statusCode()).isEqualTo(200);
        }
        int sent = 6 + 4 + 3 + 2 + 1 + 3;

        // Settles run after the answer went out: wait until every request is in the counters.
        await().atMost(Duration.ofSeconds(30)).until(() -> journalFinished().size() == sent
                && sum(parse(scrape()), "sluice_request_duration_seconds_count", Map.of()) == sent);
        String text = scrape();
        Exposition m = parse(text);
        List<JournalEntry> journal = journalFinished();

        // Documented and pinned.
        assertThat(m.undocumented).as("samples without HELP and TYPE").isEmpty();
        assertThat(m.labels).as("families and their label names").isEqualTo(PINNED);

        // The counts equal the journal's.
        Map<List<String>, long[]> expected = new TreeMap<>((a, b) -> String.join("\0", a)
                .compareTo(String.join("\0", b)));
        for (JournalEntry e : journal) {
            if (e.end().deployment() == null || e.end().attemptCount() == 0) {
                continue;
            }
            String alias = e.request().agent() != null ? "demo" : e.request().requestedModel();
            long[] t = expected.computeIfAbsent(List.of(e.request().team(), alias,
                    e.request().agent() == null ? "" : e.request().agent()), k -> new long[3]);
            t[0] += Math.max(0, e.end().tokensIn());
            t[1] += Math.max(0, e.end().tokensOut());
            t[2] += Math.max(0, e.end().costMicros());
        }
        assertThat(expected).as("team, model, agent").containsOnlyKeys(List.of("demo", "demo", ""),
                List.of("demo", "demo", "demo-agent"), List.of("demo", "sturdy", ""), List.of("other", "claude", ""));
        for (Map.Entry<List<String>, long[]> e : expected.entrySet()) {
            Map<String, String> l = Map.of("team", e.getKey().get(0), "model", e.getKey().get(1), "agent",
                    e.getKey().get(2));
            assertThat(sum(m, "sluice_tokens_total", with(l, "type", "input"))).as("input %s", l)
                    .isEqualTo(e.getValue()[0]);
            assertThat(sum(m, "sluice_tokens_total", with(l, "type", "output"))).as("output %s", l)
                    .isEqualTo(e.getValue()[1]);
            assertThat(Math.round(m.value("sluice_cost_total", l) * 1e6)).as("cost %s", l)
                    .isEqualTo(e.getValue()[2]);
        }
        String served = journal.stream().filter(e -> "sturdy".equals(e.request().requestedModel()))
                .map(e -> e.end().deployment()).findFirst().orElseThrow();
        String deadName = served.replace("mock", "dead").replace("mock-gpt", "gpt-dead");
        assertThat(sum(m, "sluice_request_duration_seconds_count", Map.of("alias", "sturdy")))
                .as("both fallbacks served by the second deployment").isEqualTo(2);
        assertThat(sum(m, "sluice_request_duration_seconds_count", Map.of("alias", "sturdy", "deployment", served)))
                .isEqualTo(2);
        assertThat(sum(m, "sluice_deployment_failures_total", Map.of("alias", "sturdy", "kind", "connect")))
                .as("the dead deployment's connect failures (%s)", deadName).isEqualTo(2);
        assertThat(sum(m, "sluice_time_to_first_token_seconds_count", Map.of("alias", "demo"))).as("streams")
                .isEqualTo(4);
        assertThat(sum(m, "gen_ai_server_time_to_first_token_seconds_count", Map.of("gen_ai_provider_name",
                "openai", "gen_ai_operation_name", "chat"))).isEqualTo(4);
        assertThat(sum(m, "gen_ai_server_time_per_output_token_seconds_count", Map.of())).as("5 tokens each")
                .isEqualTo(4);
        String error = journal.stream().filter(e -> e.end().outcome() != Outcome.OK).map(e -> e.end().outcome()
                .wireName()).findFirst().orElseThrow();
        assertThat(sum(m, "gen_ai_client_operation_duration_seconds_count", Map.of("error_type", error)))
                .isEqualTo(1);
        assertThat(sum(m, "gen_ai_client_operation_duration_seconds_count", Map.of("error_type", "")))
                .isEqualTo(sent - 1);
        assertThat(sum(m, "gen_ai_client_operation_duration_seconds_count", Map.of("gen_ai_provider_name",
                "anthropic", "gen_ai_request_model", "claude", "gen_ai_response_model", "mock-claude")))
                .isEqualTo(3);
        long outputTokens = journal.stream().mapToLong(e -> Math.max(0, e.end().tokensOut())).sum();
        assertThat(sum(m, "gen_ai_client_token_usage_sum", Map.of("gen_ai_token_type", "output")))
                .isEqualTo(outputTokens);

        // The soft threshold of team demo: a gauge, a count, one ADMIN record.
        long demoSpend = journal.stream().filter(e -> "demo".equals(e.request().team()))
                .mapToLong(e -> Math.max(0, e.end().costMicros())).sum();
        assertThat(Math.round(m.value("sluice_budget_spent", Map.of("scope", "team:demo", "period", "day")) * 1e6))
                .isEqualTo(demoSpend);
        assertThat(m.value("sluice_budget_limit", Map.of("scope", "team:demo", "kind", "soft"))).isEqualTo(0.0001);
        assertThat(m.value("sluice_budget_soft_exceeded", Map.of("scope", "team:demo"))).isEqualTo(1.0);
        assertThat(m.value("sluice_budget_soft_alerts_total", Map.of())).isEqualTo(1.0);
        await().atMost(Duration.ofSeconds(30)).until(() -> softAlertRecords().size() == 1);
        AdminRecord alert = softAlertRecords().get(0);
        assertThat(alert.target()).isEqualTo("team:demo");
        assertThat(alert.detail()).startsWith("spent ").contains("of soft 0.0001 this day");

        assertThat(m.value("process_resident_memory_bytes", Map.of())).isPositive();
        assertThat(m.value("jvm_memory_used_bytes", Map.of("area", "heap"))).isPositive();

        // promtool, the Prometheus project's own linter.
        Path file = Files.createTempFile(gw.dataDir(), "metrics", ".txt");
        Files.writeString(file, text);
        Run lint = run(List.of("promtool", "check", "metrics"), file);
        assertThat(lint.exit).as(lint.output).isZero();
        assertThat(lint.output).as("promtool's findings").isEmpty();
        Path rules = TestGateway.defaultConfig().toAbsolutePath().getParent().resolve("prometheus-alerts.yml");
        Run check = run(List.of("promtool", "check", "rules", rules.toString()), null);
        assertThat(check.exit).as(check.output).isZero();
        assertThat(check.output).contains("SUCCESS: 4 rules found");
        System.out.printf("metrics: %d families, %d samples after %d requests; promtool check metrics: no findings;"
                + " tokens and cost per team, model and agent equal the journal's (%s); team:demo soft threshold: "
                + "1 alert, 1 ADMIN record (%s)%n", m.labels.size(), m.samples, sent, expected.keySet(),
                alert.detail());
    }

    // ---------------------------------------------------------------- helpers

    /**
     * A configuration with the built-in mock (OpenAI and Anthropic providers), alias {@code demo} priced, and alias
     * {@code sturdy} whose first deployment is a closed port on this machine and second the mock (every request to
     * it falls back); {@code settings} goes before the providers, {@code models} after the two aliases.
     */
    static String fallbackConfig(String settings, String models, String teamsAndKeys) throws IOException {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            dead = s.getLocalPort();
        }
        return "server: {host: 127.0.0.1, port: 8080, admin_port: 8081}\n"
                + "upstream: {connect_timeout_ms: 500, first_byte_timeout_ms: 5000, idle_timeout_ms: 5000, "
                + "backoff_ms: 5, max_backoff_ms: 20}\n"
                + "mock_provider: {enabled: true}\n"
                + settings
                + "providers:\n  mock: {kind: openai, base_url: mock}\n"
                + "  mock-anthropic: {kind: anthropic, base_url: mock}\n"
                + "  dead: {kind: openai, base_url: \"http://127.0.0.1:" + dead + "/v1\"}\n"
                + "models:\n  demo: {provider: mock, model: mock-gpt, " + GovernanceSystemTest.PRICE + "}\n"
                + "  sturdy:\n    deployments:\n"
                + "      - {provider: dead, model: gpt-dead, price: {input: 1, output: 2}}\n"
                + "      - {provider: mock, model: mock-gpt, price: {input: 1, output: 2}}\n"
                + models
                + teamsAndKeys;
    }

    private HttpResponse<String> chat(String key, String model, String directive, boolean stream) throws Exception {
        return gw.post(key, "/v1/chat/completions", "{\"model\":\"" + model + "\",\"max_tokens\":50," + (stream
                ? "\"stream\":true,\"stream_options\":{\"include_usage\":true}," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello " + directive + "\"}]}");
    }

    private String scrape() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + gw.gateway().adminPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
        return r.body();
    }

    private List<JournalEntry> journalFinished() {
        return gw.journal().stream().filter(JournalEntry::isFinished).toList();
    }

    private List<AdminRecord> softAlertRecords() {
        List<AdminRecord> out = new ArrayList<>();
        try (JournalReader r = JournalReader.open(gw.gateway().journalDir())) {
            while (r.poll(new RecordVisitor() {
                @Override
                public void onAdmin(AdminRecord a) {
                    if (a.action().equals("budget.soft_threshold")) {
                        out.add(a);
                    }
                }
            }, 1000) > 0) {
                // read on
            }
        }
        return out;
    }

    private static Map<String, String> with(Map<String, String> labels, String name, String value) {
        Map<String, String> out = new HashMap<>(labels);
        out.put(name, value);
        return out;
    }

    private static Map<String, Set<String>> pinned(String... pairs) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            out.put(pairs[i], pairs[i + 1].isEmpty() ? Set.of() : new TreeSet<>(List.of(pairs[i + 1].split(" "))));
        }
        return out;
    }

    /** The sum of the samples named {@code name} whose labels include {@code match}. */
    private static long sum(Exposition m, String name, Map<String, String> match) {
        double total = 0;
        for (Sample s : m.byName.getOrDefault(name, List.of())) {
            if (s.labels.entrySet().containsAll(match.entrySet())) {
                total += s.value;
            }
        }
        return Math.round(total);
    }

    private record Sample(Map<String, String> labels, double value) {
    }

    /** A parsed exposition: samples by name, label names by family, samples outside a documented family. */
    private static final class Exposition {
        final Map<String, List<Sample>> byName = new HashMap<>();
        final Map<String, Set<String>> labels = new TreeMap<>();
        final List<String> undocumented = new ArrayList<>();
        int samples;

        /** The one sample named {@code name} whose labels include {@code match}. */
        double value(String name, Map<String, String> match) {
            List<Sample> found = byName.getOrDefault(name, List.of()).stream()
                    .filter(s -> s.labels.entrySet().containsAll(match.entrySet())).toList();
            assertThat(found).as("%s %s", name, match).hasSize(1);
            return found.get(0).value;
        }
    }

    private static Exposition parse(String text) {
        Exposition m = new Exposition();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new TreeSet<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# HELP ")) {
                helped.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                types.put(f[2], f[3]);
                m.labels.putIfAbsent(f[2], new TreeSet<>());
                continue;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = brace >= 0 ? line.indexOf(' ', line.lastIndexOf('}')) : line.indexOf(' ');
            String name = line.substring(0, brace >= 0 ? brace : space);
            Map<String, String> labels = brace >= 0 ? labels(line.substring(brace + 1, line.lastIndexOf('}')))
                    : Map.of();
            double value = Double.parseDouble(line.substring(space + 1).trim().replace("+Inf", "Infinity"));
            m.byName.computeIfAbsent(name, n -> new ArrayList<>()).add(new Sample(labels, value));
            m.samples++;
            String family = family(name, types);
            if (family == null || !helped.contains(family)) {
                m.undocumented.add(line);
                continue;
            }
            Set<String> names = m.labels.get(family);
            for (String l : labels.keySet()) {
                if (!l.equals("le") || !types.get(family).equals("histogram")) {
                    names.add(l);
                }
            }
        }
        return m;
    }

    private static String family(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_sum", "_count")) {
            if (sample.endsWith(suffix)) {
                String f = sample.substring(0, sample.length() - suffix.length());
                if (types.containsKey(f)) {
                    return f;
                }
            }
        }
        return null;
    }

    private static Map<String, String> labels(String s) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        while (i < s.length()) {
            int eq = s.indexOf('=', i);
            String name = s.substring(i, eq).trim();
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            while (s.charAt(j) != '"') {
                char c = s.charAt(j);
                if (c == '\\') {
                    char n = s.charAt(++j);
                    v.append(n == 'n' ? '\n' : n);
                } else {
                    v.append(c);
                }
                j++;
            }
            out.put(name, v.toString());
            i = j + 1;
            if (i < s.length() && s.charAt(i) == ',') {
                i++;
            }
        }
        return out;
    }

    private record Run(int exit, String output) {
    }

    /** Runs {@code command} with {@code stdin} as its input; fails the test when it cannot be run. */
    private static Run run(List<String> command, Path stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not installed: it comes with Debian's prometheus package "
                    + "(apt-get install prometheus; .ci/run installs it)", e);
        }
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
            return new Run(p.exitValue(), out);
        } finally {
            p.destroyForcibly();
        }
    }
}
