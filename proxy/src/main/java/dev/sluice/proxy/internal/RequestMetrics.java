package dev.sluice.proxy.internal;

import dev.sluice.codec.Endpoint;
import dev.sluice.journal.Outcome;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * What requests served by a deployment took and used, per series of labels (model alias, deployment, provider,
 * provider model, operation, team, agent, error): durations, time to first token, time per output token, tokens and
 * cost. A request adds to one series when it ends; a scrape adds the series up into each family's labels, so
 * {@code sluice_request_duration_seconds} is per alias and deployment and {@code sluice_tokens_total} per team,
 * model and agent, both from the same counts. The GenAI families follow the OpenTelemetry semantic conventions for
 * generative AI (names, units, bucket bounds, attribute names with dots made underscores).
 * <p>
 * Every label value comes from the configuration or a key, never from the request (an unknown model is not
 * counted here), and the series are capped at {@link #MAX_SERIES}: past it, new combinations add to one series
 * labelled {@code _other}. Recording looks the series up with the event loop's probe key, so it allocates nothing
 * once the series exists. Thread-safe.
 */
public final class RequestMetrics {
    static final int MAX_SERIES = 4096;
    static final String OTHER = "_other";

    /** Label lists in order, for a scrape that lists each family's series the same way every time. */
    private static final Comparator<List<String>> LIST_ORDER = (a, b) -> {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private final ConcurrentHashMap<Key, Series> series = new ConcurrentHashMap<>();
    private final Function<Key, Series> create = k -> new Series();

    /**
     * Counts one request that reached a deployment.
     *
     * @param probe the caller's scratch key, filled with the request's labels (see {@link Key#set})
     * @param durationNs from the request's start to its end
     * @param ttftNs from the start to the first token relayed, or -1 when none was
     * @param tokensIn input tokens billed, or -1 when unknown
     * @param tokensOut output tokens billed, or -1 when unknown
     * @param tokensCached cached input tokens, or -1 when unknown
     * @param costMicros cost in micro-units of the prices' currency, or -1 when unknown
     */
    void record(Key probe, long durationNs, long ttftNs, long tokensIn, long tokensOut, long tokensCached,
                long costMicros) {
        Series s = series.get(probe);
        if (s == null) {
            s = series.size() < MAX_SERIES ? series.computeIfAbsent(probe.copy(), create)
                    : series.computeIfAbsent(Key.OVERFLOW, create);
        }
        s.duration.record(durationNs);
        if (ttftNs >= 0) {
            s.ttft.record(ttftNs);
            if (tokensOut > 1 && durationNs > ttftNs) {
                s.tpot.record((durationNs - ttftNs) / (tokensOut - 1));
            }
        }
        if (tokensIn >= 0) {
            s.tokensIn.record(tokensIn);
        }
        if (tokensOut >= 0) {
            s.tokensOut.record(tokensOut);
        }
        if (tokensCached > 0) {
            s.tokensCached.add(tokensCached);
        }
        if (costMicros > 0) {
            s.costMicros.add(costMicros);
        }
    }

    /** The GenAI operation name of an endpoint ({@code chat}, {@code text_completion}, {@code embeddings}). */
    static String operation(Endpoint e) {
        return switch (e) {
            case COMPLETIONS -> "text_completion";
            case EMBEDDINGS -> "embeddings";
            default -> "chat";
        };
    }

    /** What a series measures in a histogram. */
    enum Measure {
        DURATION(Histogram.DURATION_NS),
        TIME_TO_FIRST_TOKEN(Histogram.TTFT_NS),
        TIME_PER_OUTPUT_TOKEN(Histogram.TPOT_NS),
        INPUT_TOKENS(Histogram.TOKENS),
        OUTPUT_TOKENS(Histogram.TOKENS);

        final long[] bounds;

        Measure(long[] bounds) {
            this.bounds = bounds;
        }

        Histogram of(Series s) {
            return switch (this) {
                case DURATION -> s.duration;
                case TIME_TO_FIRST_TOKEN -> s.ttft;
                case TIME_PER_OUTPUT_TOKEN -> s.tpot;
                case INPUT_TOKENS -> s.tokensIn;
                case OUTPUT_TOKENS -> s.tokensOut;
            };
        }
    }

    /** The GenAI labels of a series: operation, provider, request model (the alias), response model. */
    static final Function<Key, List<String>> GEN_AI = k -> List.of(k.operation, k.provider, k.alias, k.responseModel);
    /** {@link #GEN_AI} and the error type ({@code ""} for none). */
    static final Function<Key, List<String>> GEN_AI_ERROR = k -> List.of(k.operation, k.provider, k.alias,
            k.responseModel, k.errorType);

    /** {@code measure} of every series added up by {@code labels} (label values, in order). */
    Map<List<String>, Histogram.Snapshot> group(Measure measure, Function<Key, List<String>> labels) {
        Map<List<String>, Histogram.Snapshot> groups = new TreeMap<>(LIST_ORDER);
        for (Map.Entry<Key, Series> e : series.entrySet()) {
            measure.of(e.getValue()).addTo(groups.computeIfAbsent(labels.apply(e.getKey()),
                    l -> new Histogram.Snapshot(measure.bounds)));
        }
        return groups;
    }

    /** Appends the families to a scrape. */
    void render(MetricsText m) {
        List<Map.Entry<Key, Series>> all = new ArrayList<>(series.entrySet());
        Function<Key, List<String>> route = k -> List.of(k.alias, k.deployment);
        histograms(m, "sluice_request_duration_seconds", "Time from a request's first byte to its end, per model "
                + "alias and the deployment that served it (the last attempt).", group(Measure.DURATION, route), 1e9,
                "alias", "deployment");
        histograms(m, "sluice_time_to_first_token_seconds", "Time from a request's first byte to the first token "
                + "relayed to the client, per model alias and deployment (streamed answers).",
                group(Measure.TIME_TO_FIRST_TOKEN, route), 1e9, "alias", "deployment");
        counters(m, all, "sluice_tokens_total", "Tokens billed, per team, model alias, agent and type (input, output, "
                + "cached: the cached are part of the input).", k -> new String[] {"team", k.team, "model", k.alias,
                    "agent", k.agent}, List.of(
                        new Part("input", s -> s.tokensIn.sum()),
                        new Part("output", s -> s.tokensOut.sum()),
                        new Part("cached", s -> s.tokensCached.sum())), "type");
        Map<List<String>, Long> cost = new TreeMap<>(LIST_ORDER);
        for (Map.Entry<Key, Series> e : all) {
            Key k = e.getKey();
            cost.merge(List.of(k.team, k.alias, k.agent), e.getValue().costMicros.sum(), Long::sum);
        }
        m.family("sluice_cost_total", "counter", "Cost of the requests served, in the currency of the configured "
                + "prices, per team, model alias and agent.");
        for (Map.Entry<List<String>, Long> e : cost.entrySet()) {
            List<String> l = e.getKey();
            m.sample("sluice_cost_total", e.getValue() / 1e6, "team", l.get(0), "model", l.get(1), "agent", l.get(2));
        }

        String[] genAi = {"gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model",
            "gen_ai_response_model"};
        histograms(m, "gen_ai_client_operation_duration_seconds", "GenAI operation duration (OpenTelemetry "
                + "gen_ai.client.operation.duration): a request through the gateway, first byte to end.",
                group(Measure.DURATION, GEN_AI_ERROR), 1e9, append(genAi, "error_type"));
        Map<List<String>, Histogram.Snapshot> in = group(Measure.INPUT_TOKENS, GEN_AI);
        Map<List<String>, Histogram.Snapshot> out = group(Measure.OUTPUT_TOKENS, GEN_AI);
        m.family("gen_ai_client_token_usage", "histogram", "Tokens of one request by type (OpenTelemetry "
                + "gen_ai.client.token.usage), as billed.");
        for (Map.Entry<List<String>, Histogram.Snapshot> e : in.entrySet()) {
            m.histogram("gen_ai_client_token_usage", e.getValue(), 1, labels(append(genAi, "gen_ai_token_type"),
                    append(e.getKey(), "input")));
            m.histogram("gen_ai_client_token_usage", out.get(e.getKey()), 1, labels(append(genAi,
                    "gen_ai_token_type"), append(e.getKey(), "output")));
        }
        histograms(m, "gen_ai_server_time_to_first_token_seconds", "Time to first token (OpenTelemetry "
                + "gen_ai.server.time_to_first_token), streamed answers.", group(Measure.TIME_TO_FIRST_TOKEN, GEN_AI),
                1e9, genAi);
        histograms(m, "gen_ai_server_time_per_output_token_seconds", "Time per output token after the first "
                + "(OpenTelemetry gen_ai.server.time_per_output_token), streamed answers.",
                group(Measure.TIME_PER_OUTPUT_TOKEN, GEN_AI), 1e9, genAi);
    }

    private static void histograms(MetricsText m, String name, String help, Map<List<String>, Histogram.Snapshot> groups,
                                   double scale, String... names) {
        m.family(name, "histogram", help);
        for (Map.Entry<List<String>, Histogram.Snapshot> e : groups.entrySet()) {
            m.histogram(name, e.getValue(), scale, labels(names, e.getKey()));
        }
    }

    /** Names and values, alternating. */
    private static String[] labels(String[] names, List<String> values) {
        String[] out = new String[names.length * 2];
        for (int i = 0; i < names.length; i++) {
            out[2 * i] = names[i];
            out[2 * i + 1] = values.get(i);
        }
        return out;
    }

    private static String[] append(String[] a, String value) {
        String[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = value;
        return out;
    }

    private static String[] append(String[] labels, String name, String value) {
        String[] out = Arrays.copyOf(labels, labels.length + 2);
        out[labels.length] = name;
        out[labels.length + 1] = value;
        return out;
    }

    private static List<String> append(List<String> a, String value) {
        List<String> out = new ArrayList<>(a);
        out.add(value);
        return out;
    }

    /** One value of a counter family's last label, and how to read it from a series. */
    private record Part(String value, Function<Series, Long> read) {
    }

    private static void counters(MetricsText m, List<Map.Entry<Key, Series>> all, String name, String help,
                                 Function<Key, String[]> labels, List<Part> parts, String partLabel) {
        Map<List<String>, long[]> groups = new TreeMap<>(LIST_ORDER);
        for (Map.Entry<Key, Series> e : all) {
            long[] sums = groups.computeIfAbsent(Arrays.asList(labels.apply(e.getKey())), l -> new long[parts.size()]);
            for (int i = 0; i < parts.size(); i++) {
                sums[i] += parts.get(i).read().apply(e.getValue());
            }
        }
        m.family(name, "counter", help);
        for (Map.Entry<List<String>, long[]> e : groups.entrySet()) {
            String[] l = e.getKey().toArray(new String[0]);
            for (int i = 0; i < parts.size(); i++) {
                m.sample(name, e.getValue()[i], append(l, partLabel, parts.get(i).value()));
            }
        }
    }


    /** The counts of one series. Thread-safe. */
    private static final class Series {
        final Histogram duration = new Histogram(Histogram.DURATION_NS);
        final Histogram ttft = new Histogram(Histogram.TTFT_NS);
        final Histogram tpot = new Histogram(Histogram.TPOT_NS);
        final Histogram tokensIn = new Histogram(Histogram.TOKENS);
        final Histogram tokensOut = new Histogram(Histogram.TOKENS);
        final LongAdder tokensCached = new LongAdder();
        final LongAdder costMicros = new LongAdder();
    }

    /**
     * The labels of a series. An event loop fills its own probe for each request ({@link #set}) and looks the
     * series up with it; the map keeps copies. Not thread-safe (a probe is one loop's; stored keys are not changed).
     */
    static final class Key {
        static final Key OVERFLOW = new Key().set(OTHER, OTHER, OTHER, OTHER, OTHER, OTHER, OTHER, null);

        String alias;
        String deployment;
        String provider;
        String responseModel;
        String operation;
        String team;
        String agent;
        String errorType;
        private int hash;

        /** Fills this key; {@code null} team or agent is {@code ""}, {@code null} outcome (success) is {@code ""}. */
        Key set(String alias, String deployment, String provider, String responseModel, String operation,
                String team, String agent, Outcome error) {
            this.alias = alias;
            this.deployment = deployment;
            this.provider = provider;
            this.responseModel = responseModel;
            this.operation = operation;
            this.team = team == null ? "" : team;
            this.agent = agent == null ? "" : agent;
            this.errorType = error == null ? "" : error.wireName();
            int h = alias.hashCode();
            h = 31 * h + deployment.hashCode();
            h = 31 * h + provider.hashCode();
            h = 31 * h + responseModel.hashCode();
            h = 31 * h + operation.hashCode();
            h = 31 * h + this.team.hashCode();
            h = 31 * h + this.agent.hashCode();
            this.hash = 31 * h + errorType.hashCode();
            return this;
        }

        Key copy() {
            Key k = new Key();
            k.alias = alias;
            k.deployment = deployment;
            k.provider = provider;
            k.responseModel = responseModel;
            k.operation = operation;
            k.team = team;
            k.agent = agent;
            k.errorType = errorType;
            k.hash = hash;
            return k;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key)) {
                return false;
            }
            Key k = (Key) o;
            return hash == k.hash && alias.equals(k.alias) && deployment.equals(k.deployment)
                    && provider.equals(k.provider) && responseModel.equals(k.responseModel)
                    && operation.equals(k.operation) && team.equals(k.team) && agent.equals(k.agent)
                    && errorType.equals(k.errorType);
        }
    }
}
