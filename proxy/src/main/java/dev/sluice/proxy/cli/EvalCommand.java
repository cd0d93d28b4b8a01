package dev.sluice.proxy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Clock;
import dev.sluice.journal.EvalRecord;
import dev.sluice.journal.FeedbackReport;
import dev.sluice.journal.ShadowPairs;
import dev.sluice.journal.cli.Installation;
import dev.sluice.journal.cli.SinceParser;
import dev.sluice.proxy.eval.EvalComparison;
import dev.sluice.proxy.eval.EvalReport;
import dev.sluice.proxy.eval.EvalRuns;
import dev.sluice.proxy.eval.EvalRunner;
import dev.sluice.proxy.eval.JournalFacts;
import dev.sluice.proxy.eval.Sample;
import dev.sluice.proxy.eval.ShadowJudge;
import dev.sluice.proxy.eval.ShadowReport;
import dev.sluice.proxy.eval.Wilson;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.EvalSection;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.evals.EvalSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code sluice eval}: evaluation sets ({@code conf/evals/NAME.yaml}) run through a running gateway. {@code run}
 * sends every case {@code samples} times and reports pass rates with 95% intervals, cost, tokens and latency;
 * {@code --min-pass-rate} makes its exit code a gate (0 holds, 1 fails, 2 a usage, configuration or connection
 * error). Confined to the command's thread.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluation sets: run them through the gateway and report pass rates, cost and latency.",
        subcommands = {EvalCommand.Run.class, EvalCommand.Compare.class, EvalCommand.History.class,
                EvalCommand.ListSets.class, EvalCommand.Feedback.class, EvalCommand.ShadowReportCommand.class})
public final class EvalCommand implements Runnable {
    /** The environment variable holding the API key evaluation requests are sent with. */
    public static final String KEY_ENV = "SLUICE_API_KEY";
    static final int GATE_FAILS = 1;
    static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options every verb shares: the configuration file, which names the gateway, its data and its sets. */
    static class Installed {
        @Option(names = "--config", paramLabel = "FILE",
                description = "The gateway's configuration file (default: " + Installation.CONFIG_FILE
                        + " in the installation); its evals/ directory holds the sets.")
        Path config;

        Path configFile() {
            return config != null ? config : Installation.configFile();
        }

        Path evalsDir() {
            Path parent = configFile().toAbsolutePath().getParent();
            return parent.resolve(EvalSet.DIR);
        }
    }

    /** {@code sluice eval list}. */
    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the evaluation sets.")
    static final class ListSets extends Installed implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                for (String name : EvalSection.names(evalsDir())) {
                    EvalSet s = EvalSection.read(evalsDir(), name);
                    out.printf("%-20s %s  %3d cases x %d  target %s  %s%n", name, s.version(), s.cases().size(),
                            s.samples(), s.target() == null ? "-" : s.target(),
                            s.description() == null ? "" : s.description());
                }
            } catch (ConfigException e) {
                spec.commandLine().getErr().println(e.getMessage());
                spec.commandLine().getErr().flush();
                return USAGE;
            }
            out.flush();
            return 0;
        }
    }

    /** A usage, configuration or connection error: the command exits 2 with its message. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * What the verbs that send a set through the gateway share: where the gateway is, the key, how many samples at
     * what concurrency, where its journal is; and the sending itself.
     */
    abstract static class Sending extends Installed {
        @Option(names = "--samples", paramLabel = "N", description = "Times each case is sent (default: the set's).")
        Integer samples;

        @Option(names = "--concurrency", paramLabel = "N",
                description = "Requests in flight at most (default: the set's).")
        Integer concurrency;

        @Option(names = "--json", description = "Print the report as JSON.")
        boolean json;

        @Option(names = "--url", paramLabel = "URL",
                description = "The gateway's client API (default: from the configuration file's server: section).")
        String url;

        @Option(names = "--key", paramLabel = "KEY",
                description = "The API key the requests are sent with (default: $" + KEY_ENV + ").")
        String key;

        @Option(names = "--data-dir", paramLabel = "PATH",
                description = "The gateway's data directory, whose journal gives cost, tokens and time to first "
                        + "token (default: the configuration file's data_dir).")
        Path dataDir;

        @Spec
        CommandSpec spec;

        private GatewayConfig config;

        /** The samples of one target, and what the journal recorded of them. */
        record Sent(String target, int samplesPerCase, List<Sample> samples, Map<String, JournalFacts> facts) {
        }

        /** Reads set {@code name} (and the configuration file, when there is one). */
        EvalSet readSet(String name) throws Refused {
            if (samples != null && samples < 1 || concurrency != null && concurrency < 1) {
                throw new Refused("--samples and --concurrency: at least 1");
            }
            try {
                EvalSet s = EvalSection.read(evalsDir(), name);
                config = Files.isRegularFile(configFile()) ? ConfigLoader.load(configFile(), System.getenv()) : null;
                int n = samples != null ? samples : s.samples();
                if ((long) n * s.cases().size() > EvalSection.MAX_REQUESTS) {
                    throw new Refused("--samples: " + n + " x " + s.cases().size() + " cases is more than "
                            + EvalSection.MAX_REQUESTS + " requests");
                }
                return s;
            } catch (ConfigException e) {
                throw new Refused(e.getMessage());
            }
        }

        /** Sends every case of {@code s} to {@code target} and reads back what the journal recorded. */
        Sent send(EvalSet s, String target) throws Refused, InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            String apiKey = apiKey(key);
            String base = gatewayUrl(url, config);
            int n = samples != null ? samples : s.samples();
            int c = concurrency != null ? concurrency : s.concurrency();
            int total = n * s.cases().size();
            ExecutorService threads = daemonThreads("sluice-eval", c);
            List<Sample> result;
            // A little before the first request: the journal's clock and this one may disagree by a few ms.
            long sinceMicros = (Clock.SYSTEM.wallMs() - 60_000) * 1000;
            try {
                HttpClient http = HttpClient.newBuilder().executor(threads).connectTimeout(Duration.ofSeconds(10))
                        .build();
                err.println(target + ":");
                Progress progress = new Progress(err, total, Clock.SYSTEM);
                result = new EvalRunner(http, Clock.SYSTEM, base, apiKey).run(s, target, n, c, progress::update);
                progress.done();
            } finally {
                threads.shutdownNow();
            }
            if (result.stream().allMatch(x -> x.status() == 0)) {
                throw new Refused("cannot reach the gateway at " + base + " (is it running? ./sluice serve): "
                        + result.get(0).error());
            }
            if (result.stream().allMatch(x -> x.answer() == null)) {
                throw new Refused("the gateway refused every request to " + target + ", the first with "
                        + result.get(0).error());
            }
            Set<String> ids = new HashSet<>();
            result.forEach(x -> {
                if (x.requestId() != null) {
                    ids.add(x.requestId());
                }
            });
            Map<String, JournalFacts> facts = Map.of();
            Path data = dataDir != null ? dataDir : config != null ? config.dataDir() : null;
            if (data != null && Files.isDirectory(data.resolve("journal"))) {
                facts = JournalFacts.read(List.of(data.resolve("journal")), ids, sinceMicros, 10_000, Clock.SYSTEM);
            } else {
                err.println("eval: no journal found (--data-dir): cost, tokens and time to first token are left out");
                err.flush();
            }
            return new Sent(target, n, result, facts);
        }

        void printJson(ObjectNode report) throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
            out.flush();
        }

        /** Daemon threads for an HTTP client sending {@code concurrency} requests at once (2 to 16 of them). */
        static ExecutorService daemonThreads(String name, int concurrency) {
            return Executors.newFixedThreadPool(Math.min(16, Math.max(2, concurrency)), r -> {
                Thread th = new Thread(r, name);
                th.setDaemon(true);
                return th;
            });
        }

        /** The API key requests are sent with: {@code --key}, else {@value #KEY_ENV}. */
        static String apiKey(String key) throws Refused {
            String apiKey = key != null ? key : System.getenv(KEY_ENV);
            if (apiKey == null || apiKey.isEmpty()) {
                throw new Refused("no API key: pass --key KEY or set " + KEY_ENV + " (a key of the gateway's "
                        + "configuration; the shipped one has sk-sluice-demo)");
            }
            return apiKey;
        }

        /** The gateway's client API: {@code --url}, else the configuration's listener. */
        static String gatewayUrl(String url, GatewayConfig config) throws Refused {
            String base = url != null ? url : config != null ? baseUrl(config) : null;
            if (base == null) {
                throw new Refused("no gateway: pass --url, or --config with the gateway's configuration file");
            }
            if (!base.startsWith("http://") && !base.startsWith("https://")) {
                throw new Refused("--url: " + base + " (expected: http://HOST:PORT or https://HOST:PORT)");
            }
            return base;
        }

        private static String baseUrl(GatewayConfig config) {
            String host = config.server().host();
            if (host.equals("0.0.0.0") || host.equals("::") || host.isEmpty()) {
                host = "127.0.0.1";
            } else if (host.indexOf(':') >= 0) {
                host = "[" + host + "]";
            }
            return (config.server().tls() == null ? "http" : "https") + "://" + host + ":" + config.server().port();
        }
    }

    /** {@code sluice eval run SET --target T}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Send every case of a set through the gateway and grade the answers.")
    static final class Run extends Sending implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SET", description = "The set: conf/evals/SET.yaml.")
        String set;

        @Option(names = "--target", paramLabel = "TARGET",
                description = "agent/NAME, agent/NAME@LABEL, agent/NAME@VERSION or a model alias (default: the "
                        + "set's target).")
        String target;

        @Option(names = "--min-pass-rate", paramLabel = "RATE",
                description = "Exit 1 when the overall pass rate is below RATE (0 to 1).")
        Double minPassRate;

        @Option(names = "--html", paramLabel = "FILE", description = "Also write the report as one HTML file.")
        Path html;

        @Option(names = "--record", description = "Record the run in the gateway's journal (an EVAL record) through "
                + "its admin API, after it found every sample among its requests: what agents' evaluation gates "
                + "read. Needs the admin token or an owner's token of the agent.")
        boolean record;

        @Option(names = "--admin-url", paramLabel = "URL",
                description = "Admin API base URL, for --record (default: $" + AdminClient.URL_ENV + ", else "
                        + AdminClient.DEFAULT_URL + ").")
        String adminUrl;

        @Option(names = "--admin-token", paramLabel = "TOKEN",
                description = "Admin or owner token, for --record (default: $" + AdminClient.TOKEN_ENV + ").")
        String adminToken;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            try {
                if (minPassRate != null && (minPassRate < 0 || minPassRate > 1)) {
                    throw new Refused("--min-pass-rate: " + minPassRate + " (expected: 0 to 1)");
                }
                EvalSet s = readSet(set);
                String t = target != null ? target : s.target();
                if (t == null) {
                    throw new Refused("no target: pass --target agent/NAME[@LABEL] or a model alias, or give the set a "
                            + "target:");
                }
                Sent sent = send(s, t);
                EvalReport report = EvalReport.of(s, t, sent.samplesPerCase(), sent.samples(), sent.facts(),
                        minPassRate);
                if (json) {
                    printJson(report.json());
                } else {
                    report.print(spec.commandLine().getOut());
                }
                if (html != null) {
                    try {
                        Files.writeString(html, report.html(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        throw new Refused("--html " + html + ": " + e.getMessage());
                    }
                }
                if (record) {
                    record(s, t, sent.samples());
                }
                return report.gateHolds() ? 0 : GATE_FAILS;
            } catch (Refused e) {
                return usage(err, e.getMessage());
            }
        }

        /** Asks the gateway to record the run: every sample that reached it, by its request id. */
        private void record(EvalSet s, String t, List<Sample> samples) throws Refused {
            ObjectNode req = new ObjectMapper().createObjectNode();
            req.put("set", s.name());
            req.put("set_version", s.version());
            req.put("target", t);
            int n = 0;
            int passes = 0;
            var ids = req.putArray("request_ids");
            for (Sample x : samples) {
                if (x.requestId() != null) {
                    ids.add(x.requestId());
                    n++;
                    passes += x.pass() ? 1 : 0;
                }
            }
            req.put("samples", n);
            req.put("passes", passes);
            if (minPassRate != null) {
                req.put("min_pass_rate", minPassRate);
            }
            String u = adminUrl != null ? adminUrl : System.getenv(AdminClient.URL_ENV);
            String token = adminToken != null ? adminToken : System.getenv(AdminClient.TOKEN_ENV);
            AdminClient.Response r;
            try {
                r = new AdminClient(u == null || u.isEmpty() ? AdminClient.DEFAULT_URL : u, token)
                        .post("/admin/evals", req.toString());
            } catch (IOException e) {
                throw new Refused("--record: the admin API cannot be reached: " + e.getMessage());
            }
            PrintWriter err = spec.commandLine().getErr();
            if (!r.ok()) {
                throw new Refused("--record: the gateway did not record the run: " + r.status() + " " + r.body());
            }
            err.println("recorded in the journal: " + r.body());
            err.flush();
        }
    }

    /** {@code sluice eval history [TARGET]}. */
    @Command(name = "history", mixinStandardHelpOptions = true,
            description = "The recorded runs (EVAL records of the journal), oldest first: scores over versions.")
    static final class History extends Reading implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", paramLabel = "TARGET",
                description = "agent/NAME (any of its versions), or a target as recorded; all when absent.")
        String target;

        @Option(names = "--json", description = "One JSON object per run.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            Path journal;
            try {
                journal = journalDir();
            } catch (Refused e) {
                return usage(err, e.getMessage());
            }
            String agent = target != null && target.startsWith("agent/") && target.indexOf('@') < 0
                    ? target.substring("agent/".length()) : null;
            List<EvalRecord> runs = EvalRuns.read(List.of(journal), e -> target == null || target.equals(e.target())
                    || agent != null && agent.equals(e.agent()));
            PrintWriter out = spec.commandLine().getOut();
            ObjectMapper mapper = new ObjectMapper();
            for (EvalRecord e : runs) {
                double[] ci = Wilson.interval95(e.passes(), e.samples());
                String when = Instant.ofEpochMilli(e.wallTimeMicros() / 1000).toString();
                if (json) {
                    out.println(EvalRuns.json(mapper, e));
                } else {
                    out.printf(Locale.ROOT, "%s  %s@%s  %s%s  %.4f (%d/%d) [%.4f, %.4f]%s  by %s%n", when, e.set(),
                            e.setVersion(), e.target(), e.agentVersion() != null && !e.target().endsWith(
                                    "@" + e.agentVersion()) ? " = " + e.agent() + "@" + e.agentVersion() : "",
                            e.passRate(), e.passes(), e.samples(), ci[0], ci[1], Double.isNaN(e.minPassRate()) ? ""
                                    : String.format(Locale.ROOT, "  gate %.2f %s", e.minPassRate(),
                                    e.passRate() >= e.minPassRate() ? "held" : "failed"), e.actor());
                }
            }
            if (runs.isEmpty() && !json) {
                out.println("no recorded runs" + (target == null ? "" : " of " + target)
                        + " (sluice eval run ... --record records one)");
            }
            out.flush();
            return 0;
        }
    }

    /** What the verbs that read the gateway's journal share: where its data directory is. */
    abstract static class Reading extends Installed {
        @Option(names = "--data-dir", paramLabel = "PATH",
                description = "The gateway's data directory (default: the configuration file's data_dir).")
        Path dataDir;

        /** The gateway's journal directory. */
        Path journalDir() throws Refused {
            Path data = dataDir;
            if (data == null) {
                try {
                    data = Files.isRegularFile(configFile())
                            ? ConfigLoader.load(configFile(), System.getenv()).dataDir() : null;
                } catch (ConfigException e) {
                    throw new Refused(e.getMessage() + " (or name the data directory with --data-dir)");
                }
            }
            if (data == null || !Files.isDirectory(data.resolve("journal"))) {
                throw new Refused("no journal: name the gateway's data directory with --data-dir");
            }
            return data.resolve("journal");
        }

        /** {@code since} as epoch microseconds; {@code Long.MIN_VALUE} when absent. */
        static long sinceMicros(String since) throws Refused {
            if (since == null) {
                return Long.MIN_VALUE;
            }
            try {
                return SinceParser.parseMicros(since);
            } catch (IllegalArgumentException e) {
                throw new Refused("--since: " + e.getMessage());
            }
        }
    }

    /** {@code sluice eval feedback}. */
    @Command(name = "feedback", mixinStandardHelpOptions = true,
            description = "Feedback sent to POST /v1/feedback, rolled up per agent, agent version, model and metric "
                    + "(the latest value of a key on a request and metric counts).")
    static final class Feedback extends Reading implements Callable<Integer> {
        @Option(names = "--since", paramLabel = "TIME",
                description = "Feedback at or after TIME: ISO-8601 date or instant, or an age such as 7d.")
        String since;

        @Option(names = "--agent", paramLabel = "NAME", description = "Only feedback on this agent's requests.")
        String agent;

        @Option(names = "--json", description = "Print the report as one JSON object.")
        boolean json;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            FeedbackReport report;
            try {
                report = FeedbackReport.read(List.of(journalDir()), sinceMicros(since), agent);
            } catch (Refused e) {
                return usage(err, e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                ObjectMapper mapper = new ObjectMapper();
                ObjectNode n = mapper.createObjectNode();
                n.put("records", report.records());
                n.put("counted", report.counted());
                ArrayNode rows = n.putArray("rows");
                for (FeedbackReport.Row r : report.rows()) {
                    ObjectNode row = rows.addObject();
                    row.put("agent", r.agent());
                    row.put("agent_version", r.agentVersion());
                    row.put("model", r.model());
                    row.put("metric", r.metric());
                    row.put("count", r.count());
                    row.put("booleans", r.booleans());
                    row.put("true", r.trues());
                    row.put("sum", r.sum());
                    row.put("mean", r.mean());
                }
                out.println(n);
            } else if (report.rows().isEmpty()) {
                out.println("no feedback" + (agent == null ? "" : " on agent/" + agent)
                        + (since == null ? "" : " since " + since) + " (POST /v1/feedback sends some)");
            } else {
                out.printf(Locale.ROOT, "%-24s %-14s %-24s %-16s %8s %10s%n", "AGENT", "VERSION", "MODEL", "METRIC",
                        "COUNT", "MEAN");
                for (FeedbackReport.Row r : report.rows()) {
                    out.printf(Locale.ROOT, "%-24s %-14s %-24s %-16s %8d %10.4f%s%n", orDash(r.agent()),
                            orDash(r.agentVersion()), orDash(r.model()), r.metric(), r.count(), r.mean(),
                            r.booleans() == r.count() ? "  (" + r.trues() + " true)" : "");
                }
                out.printf(Locale.ROOT, "%d feedback records, %d counted (a later value of the same key on the same "
                        + "request and metric replaces the earlier)%n", report.records(), report.counted());
            }
            out.flush();
            return 0;
        }

        private static String orDash(String s) {
            return s == null || s.isEmpty() ? "-" : s;
        }
    }

    /** {@code sluice eval shadow-report}. */
    @Command(name = "shadow-report", mixinStandardHelpOptions = true,
            description = "Primary against shadow for each shadow declaration (models.<alias>.shadow): shadows "
                    + "answered, refused and failed; latency, time to first token, cost and answer length of both "
                    + "sides; and, where answers were captured, the graders that need no expected answer.")
    static final class ShadowReportCommand extends Reading implements Callable<Integer> {
        @Option(names = "--since", paramLabel = "TIME",
                description = "Shadows at or after TIME: ISO-8601 date or instant, or an age such as 1d.")
        String since;

        @Option(names = "--json", description = "Print the report as one JSON object.")
        boolean json;

        @Option(names = "--judge", paramLabel = "ALIAS",
                description = "Ask this model alias, through the gateway, which answer of each captured pair is "
                        + "better (needs journal.capture: full on the shadowed alias).")
        String judge;

        @Option(names = "--url", paramLabel = "URL",
                description = "With --judge: the gateway's client API (default: from the configuration file).")
        String url;

        @Option(names = "--key", paramLabel = "KEY",
                description = "With --judge: the API key to ask with (default: $" + KEY_ENV + ").")
        String key;

        @Option(names = "--concurrency", paramLabel = "N", defaultValue = "4",
                description = "With --judge: questions at once (default: ${DEFAULT-VALUE}).")
        int concurrency;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter err = spec.commandLine().getErr();
            ShadowReport report;
            try {
                List<ShadowPairs.Pair> pairs = ShadowPairs.read(List.of(journalDir()), sinceMicros(since));
                report = ShadowReport.of(pairs);
                if (judge != null) {
                    GatewayConfig config = null;
                    if (url == null) {
                        try {
                            config = Files.isRegularFile(configFile())
                                    ? ConfigLoader.load(configFile(), System.getenv()) : null;
                        } catch (ConfigException e) {
                            throw new Refused(e.getMessage());
                        }
                    }
                    String base = Sending.gatewayUrl(url, config);
                    String apiKey = Sending.apiKey(key);
                    ExecutorService threads = Sending.daemonThreads("sluice-eval-judge", concurrency);
                    try {
                        HttpClient http = HttpClient.newBuilder().executor(threads)
                                .connectTimeout(Duration.ofSeconds(10)).build();
                        int judged = ShadowJudge.judge(report, pairs, new EvalRunner(http, Clock.SYSTEM, base,
                                apiKey), judge, concurrency);
                        err.println("judge " + judge + ": " + judged + " of " + pairs.size() + " pairs had their "
                                + "request and both answers captured");
                        err.flush();
                    } finally {
                        threads.shutdownNow();
                    }
                }
            } catch (Refused e) {
                return usage(err, e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(report.toJson());
            } else {
                report.print(out);
            }
            out.flush();
            return 0;
        }
    }

    /** {@code sluice eval compare SET --baseline X --candidate Y}. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = "Run a set on a baseline and a candidate and say, per case and overall, whether the "
                    + "candidate is better, worse or not distinguishable; exit 1 when it is worse overall.")
    static final class Compare extends Sending implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SET", description = "The set: conf/evals/SET.yaml.")
        String set;

        @Option(names = "--baseline", paramLabel = "TARGET", required = true,
                description = "What is compared against: agent/NAME[@LABEL|@VERSION] or a model alias.")
        String baseline;

        @Option(names = "--candidate", paramLabel = "TARGET", required = true,
                description = "What may replace it.")
        String candidate;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            try {
                EvalSet s = readSet(set);
                Sent base = send(s, baseline);
                Sent cand = send(s, candidate);
                EvalComparison cmp = EvalComparison.of(s, base.target(), base.samples(), base.facts(), cand.target(),
                        cand.samples(), cand.facts());
                if (json) {
                    printJson(cmp.json());
                } else {
                    cmp.print(spec.commandLine().getOut());
                }
                return cmp.worse() ? GATE_FAILS : 0;
            } catch (Refused e) {
                return usage(err, e.getMessage());
            }
        }
    }

    static int usage(PrintWriter err, String message) {
        err.println("eval: " + message);
        err.flush();
        return USAGE;
    }

    /** A progress bar on stderr, redrawn at most every 200 ms. */
    static final class Progress {
        private final PrintWriter err;
        private final int total;
        private final Clock clock;
        private long lastNs;

        Progress(PrintWriter err, int total, Clock clock) {
            this.err = err;
            this.total = total;
            this.clock = clock;
            this.lastNs = clock.nanoTime() - 1_000_000_000L;
        }

        synchronized void update(int done) {
            long now = clock.nanoTime();
            if (done < total && now - lastNs < 200_000_000L) {
                return;
            }
            lastNs = now;
            int width = 30;
            int filled = (int) ((long) done * width / Math.max(1, total));
            err.print("\r[" + "=".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total);
            err.flush();
        }

        synchronized void done() {
            err.println();
            err.flush();
        }
    }
}
