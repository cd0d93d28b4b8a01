package dev.sluice.bench.compare.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.bench.compare.Figures;
import dev.sluice.bench.compare.Figures.Figure;
import dev.sluice.bench.compare.Figures.Measurement;
import dev.sluice.bench.internal.Transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The comparison's output: a Markdown table (one row per target and scenario, {@code direct} first) and
 * {@code compare.json} with the machine and the peers' versions, the date, the command, the validations and every
 * figure, each row naming its HdrHistogram logs ({@code hdr_log}, relative to the file's directory); NaN becomes
 * {@code null}. Confined to the thread that made it.
 */
public final class CompareReport {
    private final List<Figure> figures;
    private final Map<String, Object> validation;
    private final Map<String, Object> pacedMax;
    private final Map<String, String> skipped;
    private final Map<String, Object> options;
    private final String command;
    private final Path root;
    private final String date = Instant.now().toString();

    /** A report of {@code figures}; {@code root} is the checkout, where the Node.js peers are installed. */
    public CompareReport(List<Figure> figures, Map<String, Object> validation, Map<String, Object> pacedMax,
                         Map<String, String> skipped, Map<String, Object> options, String command, Path root) {
        this.figures = ordered(requireNonNull(figures, "figures"));
        this.validation = requireNonNull(validation, "validation");
        this.pacedMax = requireNonNull(pacedMax, "pacedMax");
        this.skipped = requireNonNull(skipped, "skipped");
        this.options = requireNonNull(options, "options");
        this.command = requireNonNull(command, "command");
        this.root = requireNonNull(root, "root");
    }

    /** Scenario by scenario, {@code direct} first within each. */
    private static List<Figure> ordered(List<Figure> in) {
        List<String> scenarios = new ArrayList<>();
        for (Figure f : in) {
            if (!scenarios.contains(f.m().scenario())) {
                scenarios.add(f.m().scenario());
            }
        }
        List<Figure> out = new ArrayList<>();
        for (String s : scenarios) {
            in.stream().filter(f -> f.m().scenario().equals(s) && f.m().target().equals(Figures.DIRECT)).forEach(out::add);
            in.stream().filter(f -> f.m().scenario().equals(s) && !f.m().target().equals(Figures.DIRECT)).forEach(out::add);
        }
        return out;
    }

    /** One progress line for a finished run. */
    public static String line(Measurement m) {
        return String.format(Locale.ROOT, "[%s] %-8s rps %9.1f  p50 %7.3f  p99 %7.3f  ttft p50 %7.3f p99 %7.3f  "
                        + "probe p99 %7.3f  errors %d  cpu %.2f s  rss %.0f MB  others %.2f cores",
                m.scenario(), m.target(), m.rps(), m.p50Ms(), m.p99Ms(), m.ttftP50Ms(), m.ttftP99Ms(),
                m.probeTtftP99Ms(), m.errors(), m.proxyCpuSeconds(), m.rssMb(), m.otherCores());
    }

    /** The Markdown table, then the paced-max results and the skipped targets. */
    public String table() {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("| scenario | target | RPS | RPS / direct | CPU µs/req | p50 ms | p99 ms | added p50 | added p99 "
                + "| TTFT p50 | TTFT p99 | added TTFT p50 | probe TTFT p50 | probe TTFT p99 | RSS MB | errors |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Figure f : figures) {
            Measurement m = f.m();
            String cpu = fmt(f.cpuUsPerRequest(), 1)
                    + (Double.isNaN(f.cpuUsPerEvent()) ? "" : " (" + fmt(f.cpuUsPerEvent(), 1) + "/event)");
            sb.append("| ").append(m.scenario()).append(" | ").append(m.target())
                    .append(" | ").append(fmt(m.rps(), 0))
                    .append(" | ").append(fmt(f.ratio(), 2))
                    .append(" | ").append(cpu)
                    .append(" | ").append(fmt(m.p50Ms(), 3))
                    .append(" | ").append(fmt(m.p99Ms(), 3))
                    .append(" | ").append(signed(f.addedP50Ms()))
                    .append(" | ").append(signed(f.addedP99Ms()))
                    .append(" | ").append(fmt(m.ttftP50Ms(), 3))
                    .append(" | ").append(fmt(m.ttftP99Ms(), 3))
                    .append(" | ").append(signed(f.addedTtftP50Ms()))
                    .append(" | ").append(fmt(m.probeTtftP50Ms(), 2))
                    .append(" | ").append(fmt(m.probeTtftP99Ms(), 2))
                    .append(" | ").append(fmt(m.rssMb(), 0))
                    .append(" | ").append(m.errors()).append(" |\n");
        }
        sb.append("\nseq: p50/p99 are the JSON total time, TTFT the SSE time to first event; RPS the JSON part.\n");
        pacedMax.forEach((t, r) -> sb.append("paced-max ").append(t).append(": ").append(r).append('\n'));
        skipped.forEach((t, why) -> sb.append("skipped ").append(t).append(": ").append(why).append('\n'));
        return sb.toString();
    }

    /** Writes {@code compare.json} to {@code file}. */
    public void writeJson(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", date);
        root.put("command", command);
        root.put("machine", machine());
        root.put("options", options);
        root.put("validation", validation);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Figure f : figures) {
            Measurement m = f.m();
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("target", m.target());
            r.put("scenario", m.scenario());
            r.put("rps", num(m.rps()));
            r.put("rps_ratio_to_direct", num(f.ratio()));
            r.put("cpu_us_per_req", num(f.cpuUsPerRequest()));
            r.put("cpu_us_per_event", num(f.cpuUsPerEvent()));
            r.put("p50_ms", num(m.p50Ms()));
            r.put("p99_ms", num(m.p99Ms()));
            r.put("added_p50_ms", num(f.addedP50Ms()));
            r.put("added_p99_ms", num(f.addedP99Ms()));
            r.put("ttft_p50_ms", num(m.ttftP50Ms()));
            r.put("ttft_p99_ms", num(m.ttftP99Ms()));
            r.put("added_ttft_p50_ms", num(f.addedTtftP50Ms()));
            r.put("added_ttft_p99_ms", num(f.addedTtftP99Ms()));
            r.put("probe_ttft_p50_ms", num(m.probeTtftP50Ms()));
            r.put("probe_ttft_p99_ms", num(m.probeTtftP99Ms()));
            r.put("added_probe_ttft_p99_ms", num(f.addedProbeTtftP99Ms()));
            r.put("rss_mb", num(m.rssMb()));
            r.put("requests", m.requests());
            r.put("errors", m.errors());
            r.put("proxy_cpu_s", num(m.proxyCpuSeconds()));
            r.put("other_cores", num(m.otherCores()));
            r.put("hdr_log", m.hdrLogs().stream().map(HdrLogs::listed).toList());
            rows.add(r);
        }
        root.put("results", rows);
        root.put("paced_max", pacedMax);
        root.put("skipped", skipped);
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.writeString(file, mapper.writeValueAsString(clean(root)) + "\n", StandardCharsets.UTF_8);
    }

    /** NaN and infinities are not JSON: they become null, also inside nested maps and lists. */
    private static Object clean(Object v) {
        if (v instanceof Double d) {
            return num(d);
        }
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, clean(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(clean(x)));
            return out;
        }
        return v;
    }

    private static Double num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 1000) / 1000.0;
    }

    private Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("nproc", Runtime.getRuntime().availableProcessors());
        m.put("cpu", firstLine("/proc/cpuinfo", "model name"));
        m.put("mem", firstLine("/proc/meminfo", "MemTotal"));
        m.put("kernel", read("/proc/sys/kernel/osrelease"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        m.put("netty_transport", Transport.epoll() ? "epoll" : "nio");
        m.put("nginx", version(Peer.NGINX, "-v"));
        m.put("haproxy", version(Peer.HAPROXY, "-v"));
        m.put("caddy", version(Peer.CADDY, "version"));
        String portkey = Peer.portkeyVersion(root);
        m.put("portkey", portkey == null ? null : portkey + ", node " + version(Peer.PORTKEY, "--version"));
        return m;
    }

    private static String firstLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(prefix))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static String read(String file) {
        try {
            return Files.readString(Path.of(file)).trim();
        } catch (IOException e) {
            return null;
        }
    }

    private static String version(Peer p, String arg) {
        Path bin = p.binaryPath();
        if (bin == null) {
            return null;
        }
        try {
            Process proc = new ProcessBuilder(bin.toString(), arg).redirectErrorStream(true).start();
            String text = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            proc.waitFor(5, TimeUnit.SECONDS);
            return text.lines().findFirst().orElse("").trim();
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static String fmt(double v, int digits) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%+.3f", v);
    }
}
