package dev.sluice.proxy.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.codec.Clock;
import dev.sluice.journal.cli.Installation;
import dev.sluice.proxy.eval.EvalReport;
import dev.sluice.proxy.eval.EvalRunner;
import dev.sluice.proxy.eval.JournalFacts;
import dev.sluice.proxy.eval.Sample;
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
import java.util.HashSet;
import java.util.List;
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
        subcommands = {EvalCommand.Run.class, EvalCommand.ListSets.class})
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

    /** {@code sluice eval run SET --target T}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Send every case of a set through the gateway and grade the answers.")
    static final class Run extends Installed implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SET", description = "The set: conf/evals/SET.yaml.")
        String set;

        @Option(names = "--target", paramLabel = "TARGET",
                description = "agent/NAME, agent/NAME@LABEL, agent/NAME@VERSION or a model alias (default: the "
                        + "set's target).")
        String target;

        @Option(names = "--samples", paramLabel = "N", description = "Times each case is sent (default: the set's).")
        Integer samples;

        @Option(names = "--concurrency", paramLabel = "N",
                description = "Requests in flight at most (default: the set's).")
        Integer concurrency;

        @Option(names = "--min-pass-rate", paramLabel = "RATE",
                description = "Exit 1 when the overall pass rate is below RATE (0 to 1).")
        Double minPassRate;

        @Option(names = "--json", description = "Print the report as JSON.")
        boolean json;

        @Option(names = "--html", paramLabel = "FILE", description = "Also write the report as one HTML file.")
        Path html;

        @Option(names = "--url", paramLabel = "URL",
                description = "The gateway's client API (default: from the configuration file's server: section).")
        String url;

        @Option(names = "--data-dir", paramLabel = "PATH",
                description = "The gateway's data directory, whose journal gives cost, tokens and time to first "
                        + "token (default: the configuration file's data_dir).")
        Path dataDir;

        @Option(names = "--key", paramLabel = "KEY",
                description = "The API key the requests are sent with (default: $" + KEY_ENV + ").")
        String key;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            if (minPassRate != null && (minPassRate < 0 || minPassRate > 1)) {
                return usage(err, "--min-pass-rate: " + minPassRate + " (expected: 0 to 1)");
            }
            if (samples != null && samples < 1 || concurrency != null && concurrency < 1) {
                return usage(err, "--samples and --concurrency: at least 1");
            }
            String apiKey = key != null ? key : System.getenv(KEY_ENV);
            if (apiKey == null || apiKey.isEmpty()) {
                return usage(err, "no API key: pass --key KEY or set " + KEY_ENV + " (a key of the gateway's "
                        + "configuration; the shipped one has sk-sluice-demo)");
            }
            EvalSet s;
            GatewayConfig config;
            try {
                s = EvalSection.read(evalsDir(), set);
                config = Files.isRegularFile(configFile()) ? ConfigLoader.load(configFile(), System.getenv()) : null;
            } catch (ConfigException e) {
                return usage(err, e.getMessage());
            }
            String t = target != null ? target : s.target();
            if (t == null) {
                return usage(err, "no target: pass --target agent/NAME[@LABEL] or a model alias, or give the set a "
                        + "target:");
            }
            String base = url != null ? url : config != null ? baseUrl(config) : null;
            if (base == null) {
                return usage(err, "no gateway: pass --url, or --config with the gateway's configuration file");
            }
            int n = samples != null ? samples : s.samples();
            int c = concurrency != null ? concurrency : s.concurrency();
            if ((long) n * s.cases().size() > EvalSection.MAX_REQUESTS) {
                return usage(err, "--samples: " + n + " x " + s.cases().size() + " cases is more than "
                        + EvalSection.MAX_REQUESTS + " requests");
            }
            int total = n * s.cases().size();
            ExecutorService threads = Executors.newFixedThreadPool(Math.min(16, Math.max(2, c)), r -> {
                Thread th = new Thread(r, "sluice-eval");
                th.setDaemon(true);
                return th;
            });
            List<Sample> result;
            // A little before the first request: the journal's clock and this one may disagree by a few ms.
            long sinceMicros = (Clock.SYSTEM.wallMs() - 60_000) * 1000;
            try {
                HttpClient http = HttpClient.newBuilder().executor(threads).connectTimeout(Duration.ofSeconds(10))
                        .build();
                Progress progress = new Progress(err, total, Clock.SYSTEM);
                result = new EvalRunner(http, Clock.SYSTEM, base, apiKey).run(s, t, n, c, progress::update);
                progress.done();
            } finally {
                threads.shutdownNow();
            }
            long unreachable = result.stream().filter(x -> x.status() == 0).count();
            if (unreachable == total) {
                return usage(err, "cannot reach the gateway at " + base + " (is it running? ./sluice serve): "
                        + result.get(0).error());
            }
            if (result.stream().allMatch(x -> x.answer() == null)) {
                return usage(err, "the gateway refused every request, the first with " + result.get(0).error());
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
            EvalReport report = EvalReport.of(s, t, n, result, facts, minPassRate);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report.json()));
                out.flush();
            } else {
                report.print(out);
            }
            if (html != null) {
                try {
                    Files.writeString(html, report.html(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return usage(err, "--html " + html + ": " + e.getMessage());
                }
            }
            return report.gateHolds() ? 0 : GATE_FAILS;
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
