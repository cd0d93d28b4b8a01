package dev.sluice.bench.compare;

import dev.sluice.bench.compare.Figures.Measurement;
import dev.sluice.bench.compare.internal.BenchModel;
import dev.sluice.bench.compare.internal.Bodies;
import dev.sluice.bench.compare.internal.ChildProcess;
import dev.sluice.bench.compare.internal.CompareReport;
import dev.sluice.bench.compare.internal.HdrLogs;
import dev.sluice.bench.compare.internal.Peer;
import dev.sluice.bench.compare.internal.ProcStats;
import dev.sluice.bench.compare.internal.Scenario;
import dev.sluice.bench.compare.internal.Validation;
import dev.sluice.bench.compare.internal.WindowSampler;
import dev.sluice.bench.compare.internal.WindowSampler.Window;
import dev.sluice.bench.internal.TempDirs;
import dev.sluice.bench.load.LoadDriver;
import dev.sluice.bench.load.LoadResult;
import dev.sluice.bench.load.LoadSpec;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bench/compare}: the side-by-side comparison. Starts the upstream ({@link BenchUpstream}, its own JVM on
 * 127.0.0.1:9001), then one target at a time (direct, a Sluice gateway, nginx, HAProxy, Caddy, Portkey), validates
 * that it really streams, prewarms it, and runs every scenario with the in-process load driver while sampling the
 * target's process tree from {@code /proc}. Prints the table and writes {@code bench/results/compare.json}, with the
 * HdrHistogram interval log of every measured load run in {@code bench/results/hdr/} ({@link HdrLogs});
 * {@code --keep-logs} copies both where git keeps them. Targets that are not installed are skipped with a message
 * that says how to install them. Confined to the main thread.
 */
@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Side by side on loopback: the upstream direct, Sluice, reverse proxies and Portkey under the same "
                + "load.")
public final class Compare implements Callable<Integer> {
    /** The probe's p99 time to first token that a paced-max step must stay under. */
    static final double PACED_MAX_TTFT_P99_MS = 50.0;
    /** Connections opened up front by the open-loop scenarios. */
    private static final int RATE_INITIAL_CONNECTIONS = 10;
    /** Seconds allowed for a target to open its port (Sluice may build itself first). */
    private static final long SLUICE_START_TIMEOUT_MS = 300_000;
    private static final long PEER_START_TIMEOUT_MS = 30_000;

    private static String[] rawArgs = new String[0];

    @Option(names = "--targets", split = ",", paramLabel = "LIST",
            description = "Targets, in run order: sluice, sluice-capture, sluice-redis, direct, nginx, haproxy, caddy, "
                    + "portkey; one that is not installed is skipped, and bench/install-peers installs every peer "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> targets = List.of("sluice", "sluice-capture", "sluice-redis", "direct", "nginx", "haproxy", "caddy",
            "portkey");

    @Option(names = "--scenarios", split = ",", paramLabel = "LIST",
            description = "json, sse, sse-paced, json-rate, json-rate-low, seq, lat-c1 (JSON, 1 connection), lat-c64 "
                    + "(JSON, 64 connections), paced-max (default: ${DEFAULT-VALUE}).")
    List<String> scenarios = List.of("json", "sse", "sse-paced", "json-rate", "json-rate-low", "seq", "lat-c1",
            "lat-c64");

    @Option(names = "--duration", paramLabel = "S", description = "Measured seconds per scenario (default: ${DEFAULT-VALUE}).")
    double durationS = 15;

    @Option(names = "--warmup", paramLabel = "S", description = "Unrecorded seconds before each scenario (default: ${DEFAULT-VALUE}).")
    double warmupS = 3;

    @Option(names = "--prewarm", paramLabel = "S",
            description = "Unrecorded JSON+SSE load after a target starts (default: 20 for sluice and portkey, JIT "
                    + "runtimes; 3 otherwise).")
    Double prewarmS;

    @Option(names = "--conns", paramLabel = "N", description = "Connections for json and sse (default: ${DEFAULT-VALUE}).")
    int conns = 50;

    @Option(names = "--paced-conns", paramLabel = "N", description = "Streams for sse-paced (default: ${DEFAULT-VALUE}).")
    int pacedConns = 64;

    @Option(names = "--rate", paramLabel = "R", description = "Requests/s for json-rate (default: ${DEFAULT-VALUE}).")
    double rate = 1000;

    @Option(names = "--rate-low", paramLabel = "R", description = "Requests/s for json-rate-low (default: ${DEFAULT-VALUE}).")
    double rateLow = 200;

    @Option(names = "--paced-max", paramLabel = "N", description = "Upper bound of paced-max (default: ${DEFAULT-VALUE}).")
    int pacedMax = 16384;

    @Option(names = "--max-other", paramLabel = "CORES",
            description = "Repeat a run when other processes used more cores than this (default: ${DEFAULT-VALUE}).")
    double maxOther = 0.35;

    @Option(names = "--retries", paramLabel = "N", description = "Repeats of a disturbed run (default: ${DEFAULT-VALUE}).")
    int retries = 1;

    @Option(names = "--quiet-wait", paramLabel = "S",
            description = "Longest wait for a quiet machine before a run (default: ${DEFAULT-VALUE}).")
    long quietWaitS = 60;

    @Option(names = "--port-offset", paramLabel = "N",
            description = "Move every port (upstream 9001, proxies 9101-9104, sluice 9200) by N, e.g. to run beside "
                    + "another comparison (default: ${DEFAULT-VALUE}).")
    int portOffset;

    @Option(names = "--root", paramLabel = "DIR", description = "The Sluice checkout (default: -Dsluice.root or .).")
    Path root;

    @Option(names = "--out", paramLabel = "FILE", description = "Results (default: <root>/bench/results/compare.json); "
            + "the HdrHistogram logs go to hdr/ beside it.")
    Path out;

    @Option(names = "--keep-logs", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
            description = "Also copy compare.json and the HdrHistogram logs into DIR (relative to the checkout), which "
                    + "git tracks under bench/results/runs/ (default DIR: bench/results/runs/<UTC date>-<n>).")
    String keepLogs;

    private final PrintStream log = System.out;
    private final List<Measurement> measurements = new ArrayList<>();
    /** Every log kept in {@link #hdr}, for {@code --keep-logs}. */
    private final List<String> hdrLogs = new ArrayList<>();
    private final Map<String, Object> validation = new LinkedHashMap<>();
    private final Map<String, Object> pacedMaxResults = new LinkedHashMap<>();
    private final Map<String, String> skipped = new LinkedHashMap<>();
    private List<Long> upstreamPids = List.of();
    private Path conf;
    private HdrLogs hdr;

    @Override
    public Integer call() throws Exception {
        root = (root != null ? root : Path.of(System.getProperty("sluice.root", "."))).toAbsolutePath().normalize();
        out = out != null ? out : root.resolve("bench/results/compare.json");
        List<Peer> peers = parseTargets();
        List<Scenario> scens = parseScenarios();
        if (!ProcStats.available()) {
            log.println("compare: /proc is not readable; CPU and memory need Linux");
            return 2;
        }
        int upstreamPort = BenchUpstream.DEFAULT_PORT + portOffset;
        if (ChildProcess.portOpen(upstreamPort)) {
            log.println("compare: 127.0.0.1:" + upstreamPort + " is in use; stop what runs there first or pass "
                    + "--port-offset");
            return 2;
        }
        Path keepDir = keepLogs == null ? null : keepLogs.isEmpty()
                ? HdrLogs.nextRunDir(root.resolve("bench/results/runs"), LocalDate.now(ZoneOffset.UTC))
                : root.resolve(keepLogs);
        if (keepDir != null && Files.exists(keepDir.resolve("compare.json"))) {
            log.println("compare: " + keepDir + " already holds a kept run; name another --keep-logs directory");
            return 2;
        }
        hdr = new HdrLogs(out.toAbsolutePath().getParent());
        hdr.reset();
        Path runBase = Files.createTempDirectory("sluice-compare-");
        conf = configs(runBase);
        log.printf("compare: targets %s, scenarios %s, %.0f s each; run files in %s%n", targets, scenarios, durationS,
                runBase);
        try (ChildProcess upstream = ChildProcess.start("upstream", upstreamCommand(), Map.of(), root,
                runBase.resolve("upstream.log"))) {
            if (!upstream.awaitPort(upstreamPort, PEER_START_TIMEOUT_MS)) {
                log.println("compare: the upstream did not start; see " + upstream.log());
                return 1;
            }
            upstreamPids = ProcStats.tree(upstream.pid());
            for (Peer peer : peers) {
                runTarget(peer, scens, runBase);
            }
        }
        List<Figures.Figure> figures = Figures.derive(measurements);
        CompareReport report = new CompareReport(figures, validation, pacedMaxResults, skipped, options(),
                "bench/compare " + String.join(" ", rawArgs), root);
        log.println();
        log.print(report.table());
        report.writeJson(out);
        log.println("results: " + out + "; HdrHistogram logs: " + hdr.dir());
        if (keepDir != null) {
            log.println("kept: " + hdr.keepRun(out, hdrLogs, keepDir));
        }
        TempDirs.deleteRecursively(runBase);
        return 0;
    }

    /**
     * The directory the peers read their configuration from: {@code bench/conf/} itself, or with a port offset
     * copies in the run directory whose {@code 127.0.0.1:<port>} addresses are moved by the offset.
     */
    private Path configs(Path runBase) throws IOException {
        Path original = root.resolve("bench/conf");
        if (portOffset == 0) {
            return original;
        }
        Path moved = Files.createDirectories(runBase.resolve("conf"));
        for (Peer p : Peer.values()) {
            if (p.configFile() == null) {
                continue;
            }
            String text = Files.readString(original.resolve(p.configFile()));
            for (Peer q : Peer.values()) {
                text = text.replace("127.0.0.1:" + q.basePort(), "127.0.0.1:" + q.port(portOffset));
            }
            text = text.replace("127.0.0.1:" + Peer.REDIS_PORT, "127.0.0.1:" + (Peer.REDIS_PORT + portOffset));
            Files.writeString(moved.resolve(p.configFile()), text);
        }
        return moved;
    }

    private List<Peer> parseTargets() {
        List<Peer> out = new ArrayList<>();
        for (String t : targets) {
            Peer p = Peer.byId(t.trim());
            if (p == null) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "--targets: unknown target '" + t + "' (expected: " + Peer.ids() + ")");
            }
            out.add(p);
        }
        return out;
    }

    private List<Scenario> parseScenarios() {
        List<Scenario> out = new ArrayList<>();
        for (String s : scenarios) {
            Scenario sc = Scenario.byId(s.trim());
            if (sc == null) {
                throw new CommandLine.ParameterException(new CommandLine(this), "--scenarios: unknown scenario '" + s
                        + "' (expected: " + Scenario.ids() + ")");
            }
            out.add(sc);
        }
        return out;
    }

    private List<String> upstreamCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(BenchUpstream.class.getName());
        cmd.add("--port");
        cmd.add(Integer.toString(BenchUpstream.DEFAULT_PORT + portOffset));
        return cmd;
    }

    private void runTarget(Peer peer, List<Scenario> scens, Path runBase) throws Exception {
        String name = peer.id();
        String missing = peer.missing(root);
        if (missing != null) {
            log.println("!! skipping " + name + ": " + missing);
            skipped.put(name, missing);
            return;
        }
        if (peer != Peer.DIRECT && ChildProcess.portOpen(peer.port(portOffset))) {
            String why = "127.0.0.1:" + peer.port(portOffset) + " is already in use";
            log.println("!! skipping " + name + ": " + why);
            skipped.put(name, why);
            return;
        }
        Path runDir = Files.createDirectories(runBase.resolve(name));
        for (String k : peer.environment(runDir).values()) {
            Files.createDirectories(Path.of(k));
        }
        ChildProcess proc = null;
        try {
            if (peer != Peer.DIRECT) {
                List<String> cmd = peer.command(root, conf, runDir, portOffset);
                log.println("starting " + name + ": " + String.join(" ", cmd));
                proc = ChildProcess.start(name, cmd, peer.environment(runDir), root, runDir.resolve(name + ".log"));
                long timeoutMs = peer.isSluice() ? SLUICE_START_TIMEOUT_MS : PEER_START_TIMEOUT_MS;
                if (!proc.awaitPort(peer.port(portOffset), timeoutMs)) {
                    String why = "did not open port " + peer.port(portOffset) + "; log: "
                            + Files.readString(proc.log()).lines().reduce((a, b) -> b).orElse("(empty)");
                    log.println("!! skipping " + name + ": " + why);
                    skipped.put(name, why);
                    return;
                }
            }
            Map<String, Object> v = Validation.check(peer.url(portOffset), peer.headers(conf));
            validation.put(name, v);
            log.println("validate " + name + ": " + v);
            double prewarm = prewarmS != null ? prewarmS : peer.jitRuntime() ? 20 : 3;
            if (prewarm > 0) {
                log.printf("prewarm %s: %.0f s%n", name, prewarm);
                LoadDriver.run(spec(peer, BenchModel.MOCK, false, conns, 0, prewarm / 2, 0, null));
                LoadDriver.run(spec(peer, BenchModel.MOCK, true, conns, 0, prewarm / 2, 0, null));
            }
            for (Scenario s : scens) {
                List<Long> pids = proc == null ? List.of() : ProcStats.tree(proc.pid());
                if (s == Scenario.PACED_MAX) {
                    pacedMax(peer, pids);
                } else {
                    Measurement m = measureWithRetries(peer, s, pids);
                    measurements.add(m);
                    log.println(CompareReport.line(m));
                }
            }
        } finally {
            if (proc != null) {
                proc.close();
            }
        }
    }

    /** A load run's spec; {@code hdrLog} is where its HdrHistogram interval log goes, or null for none. */
    private LoadSpec spec(Peer peer, BenchModel model, boolean sse, int connections, double ratePerSecond,
                          double durationS, double warmupS, Path hdrLog) {
        LoadSpec.Builder b = LoadSpec.builder(peer.url(portOffset)).body(Bodies.chat(model, sse)).sse(sse)
                .connections(connections).ratePerSecond(ratePerSecond)
                .durationNs((long) (durationS * 1e9)).warmupNs((long) (warmupS * 1e9)).hdrLog(hdrLog);
        if (ratePerSecond > 0) {
            b.connections(RATE_INITIAL_CONNECTIONS).maxConnections(LoadSpec.DEFAULT_MAX_CONNECTIONS);
        }
        peer.headers(conf).forEach(b::header);
        return b.build();
    }

    /** Measures; repeats a disturbed run, keeping the least disturbed attempt and only its HdrHistogram logs. */
    private Measurement measureWithRetries(Peer peer, Scenario s, List<Long> pids) throws Exception {
        Measurement best = null;
        int bestAttempt = 0;
        for (int attempt = 0; attempt <= retries; attempt++) {
            Measurement m = measure(peer, s, pids, pacedConns, hdr.attemptDir(attempt), null);
            if (best == null || m.otherCores() < best.otherCores()) {
                if (best != null) {
                    hdr.discard(bestAttempt);
                }
                best = m;
                bestAttempt = attempt;
            } else {
                hdr.discard(attempt);
            }
            if (m.otherCores() <= maxOther) {
                break;
            }
            log.printf("   .. %s/%s: other processes used %.2f cores during the run%s%n", s.id(), peer.id(),
                    m.otherCores(), attempt < retries ? "; repeating" : "");
        }
        hdr.keep(bestAttempt, best.hdrLogs());
        hdrLogs.addAll(best.hdrLogs());
        return best;
    }

    /**
     * One measured run of {@code s}, its HdrHistogram logs written into {@code logDir}: {@code <target>-<scenario>}
     * (with {@code -<step>} for a paced-max step), and for the scenarios of two load runs a second log, the SSE part
     * of {@code seq} ({@code -sse}) or the probe of the paced streams ({@code -probe}).
     */
    private Measurement measure(Peer peer, Scenario s, List<Long> pids, int streams, Path logDir, String step)
            throws Exception {
        List<Long> ours = new ArrayList<>(pids);
        ours.addAll(upstreamPids);
        ours.add(ProcessHandle.current().pid());
        WindowSampler.awaitQuiet(ours, maxOther, quietWaitS, log);
        String name = peer.id();
        String first = HdrLogs.name(name, s.id(), step);
        String second = HdrLogs.name(name, s.id(), (step == null ? "" : step + "-")
                + (s == Scenario.SEQ ? "sse" : "probe"));
        switch (s) {
            case JSON, SSE, LAT_C1, LAT_C64 -> {
                boolean sse = s == Scenario.SSE;
                int c = s.connections() > 0 ? s.connections() : conns;
                WindowSampler w = new WindowSampler(pids, upstreamPids, (long) (warmupS * 1e9));
                LoadResult r = LoadDriver.run(spec(peer, BenchModel.MOCK, sse, c, 0, durationS, warmupS,
                        logDir.resolve(first)));
                return measurement(name, s, r, null, w.finish(), 0, List.of(first));
            }
            case JSON_RATE, JSON_RATE_LOW -> {
                double rps = s == Scenario.JSON_RATE ? rate : rateLow;
                WindowSampler w = new WindowSampler(pids, upstreamPids, (long) (warmupS * 1e9));
                LoadResult r = LoadDriver.run(spec(peer, BenchModel.MOCK, false, 1, rps, durationS, warmupS,
                        logDir.resolve(first)));
                return measurement(name, s, r, null, w.finish(), 0, List.of(first));
            }
            case SSE_PACED, PACED_MAX -> {
                WindowSampler w = new WindowSampler(pids, upstreamPids, (long) (warmupS * 1e9));
                LoadResult[] rs = pacedWithProbe(peer, streams, logDir.resolve(first), logDir.resolve(second));
                return measurement(name, s, rs[0], rs[1], w.finish(), BenchModel.TTFT20_ITL10.dataLines(),
                        List.of(first, second));
            }
            case SEQ -> {
                double half = Math.max(1, durationS / 2);
                double warm = Math.min(1, warmupS);
                WindowSampler w = new WindowSampler(pids, upstreamPids, (long) (warm * 1e9));
                LoadResult json = LoadDriver.run(spec(peer, BenchModel.MOCK, false, 1, 0, half, warm,
                        logDir.resolve(first)));
                LoadResult sse = LoadDriver.run(spec(peer, BenchModel.MOCK, true, 1, 0, half, warm,
                        logDir.resolve(second)));
                Window win = w.finish();
                long requests = json.requests() + sse.requests() + sse.warmupRequests();
                return new Measurement(name, s.id(), json.rps(), requests, json.errors() + sse.errors(),
                        json.totalMs(50), json.totalMs(99), sse.ttftMs(50), sse.ttftMs(99), Double.NaN, Double.NaN,
                        pids.isEmpty() ? Double.NaN : win.targetCpuS(), 0, pids.isEmpty() ? Double.NaN
                        : win.targetRssPeakMb(), win.otherCores(), List.of(first, second));
            }
            default -> throw new IllegalArgumentException("scenario: " + s);
        }
    }

    /** The paced streams and, on its own connection and event loop, the c=1 time-to-first-token probe. */
    private LoadResult[] pacedWithProbe(Peer peer, int streams, Path loadLog, Path probeLog)
            throws IOException, InterruptedException {
        LoadSpec load = spec(peer, BenchModel.TTFT20_ITL10, true, streams, 0, durationS, warmupS, loadLog);
        LoadSpec probe = spec(peer, BenchModel.TTFT20_ITL10, true, 1, 0, durationS, warmupS, probeLog);
        try (LoadDriver l = LoadDriver.start(load); LoadDriver p = LoadDriver.start(probe)) {
            LoadResult lr = l.await();
            return new LoadResult[] {lr, p.await()};
        }
    }

    private static Measurement measurement(String target, Scenario s, LoadResult r, LoadResult probe, Window w,
                                           int eventsPerRequest, List<String> hdrLogs) {
        boolean proxy = !target.equals(Figures.DIRECT);
        boolean sse = r.spec().sse();
        return new Measurement(target, s.id(), r.rps(), r.requests(), r.errors() + (probe == null ? 0 : probe.errors()),
                r.totalMs(50), r.totalMs(99), sse ? r.ttftMs(50) : Double.NaN, sse ? r.ttftMs(99) : Double.NaN,
                probe == null ? Double.NaN : probe.ttftMs(50), probe == null ? Double.NaN : probe.ttftMs(99),
                proxy ? w.targetCpuS() : Double.NaN, eventsPerRequest, proxy ? w.targetRssPeakMb() : Double.NaN,
                w.otherCores(), hdrLogs);
    }

    private void pacedMax(Peer peer, List<Long> pids) throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        int best = 0;
        double bestRss = Double.NaN;
        for (int n = pacedConns; n <= pacedMax; n *= 2) {
            Measurement m = measure(peer, Scenario.PACED_MAX, pids, n, hdr.attemptDir(0), Integer.toString(n));
            hdr.keep(0, m.hdrLogs());
            hdrLogs.addAll(m.hdrLogs());
            boolean pass = m.errors() == 0 && m.probeTtftP99Ms() < PACED_MAX_TTFT_P99_MS;
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("streams", n);
            step.put("rps", m.rps());
            step.put("errors", m.errors());
            step.put("probe_ttft_p99_ms", m.probeTtftP99Ms());
            step.put("rss_mb", m.rssMb());
            step.put("pass", pass);
            step.put("hdr_log", m.hdrLogs().stream().map(HdrLogs::listed).toList());
            steps.add(step);
            log.printf("[paced-max] %-8s %6d streams: rps %.0f, probe TTFT p99 %.2f ms, errors %d, rss %.0f MB: %s%n",
                    peer.id(), n, m.rps(), m.probeTtftP99Ms(), m.errors(), m.rssMb(), pass ? "pass" : "fail");
            if (!pass) {
                break;
            }
            best = n;
            bestRss = m.rssMb();
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("max_streams", best);
        r.put("rss_mb", bestRss);
        r.put("steps", steps);
        pacedMaxResults.put(peer.id(), r);
    }

    private Map<String, Object> options() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("targets", targets);
        o.put("scenarios", scenarios);
        o.put("duration_s", durationS);
        o.put("warmup_s", warmupS);
        o.put("prewarm_s", prewarmS == null ? "20 for sluice and portkey, 3 otherwise" : prewarmS);
        o.put("conns", conns);
        o.put("paced_conns", pacedConns);
        o.put("rate", rate);
        o.put("rate_low", rateLow);
        o.put("paced_max", pacedMax);
        o.put("max_other_cores", maxOther);
        o.put("port_offset", portOffset);
        o.put("keep_logs", keepLogs);
        return o;
    }

    /** Runs the comparison; exits with its code. */
    public static void main(String[] args) {
        rawArgs = args.clone();
        System.exit(new CommandLine(new Compare()).execute(args));
    }
}
