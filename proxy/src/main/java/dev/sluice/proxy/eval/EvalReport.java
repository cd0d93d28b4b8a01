package dev.sluice.proxy.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.routing.evals.EvalCase;
import dev.sluice.routing.evals.EvalSet;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The report of one evaluation run: per case and overall, the pass rate with its 95% Wilson interval, errors,
 * cost and tokens and the gateway's time to first token (from the journal), the client's latency percentiles,
 * the versions that served, and the failures with their answers. As JSON (the source of the other two), for people,
 * and as one self-contained HTML file. Immutable once built.
 */
public final class EvalReport {
    /** Failed answers shown per case at most. */
    static final int FAILURES_PER_CASE = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode json;
    private final double passRate;

    private EvalReport(ObjectNode json, double passRate) {
        this.json = json;
        this.passRate = passRate;
    }

    /**
     * Builds the report of {@code samples} of {@code set} sent to {@code target}.
     *
     * @param facts        what the journal recorded, by request id (may be missing some)
     * @param minPassRate  the gate, or null
     */
    public static EvalReport of(EvalSet set, String target, int samplesPerCase, List<Sample> samples,
                                Map<String, JournalFacts> facts, Double minPassRate) {
        ObjectNode r = JSON.createObjectNode();
        r.put("set", set.name());
        r.put("set_version", set.version());
        r.put("target", target);
        r.put("samples_per_case", samplesPerCase);
        r.put("cases", set.cases().size());
        Map<String, Integer> served = new TreeMap<>();
        for (Sample s : samples) {
            JournalFacts f = s.requestId() == null ? null : facts.get(s.requestId());
            if (f != null) {
                served.merge((f.agent() != null ? "agent/" + f.agent() + "@" + f.agentVersion() + " on " : "")
                        + f.servedModel(), 1, Integer::sum);
            }
        }
        ObjectNode servedBy = r.putObject("served_by");
        served.forEach(servedBy::put);
        ObjectNode overall = r.putObject("overall");
        double rate = totals(overall, samples, facts);
        ArrayNode cases = r.putArray("by_case");
        Map<String, List<Sample>> byCase = new LinkedHashMap<>();
        for (EvalCase c : set.cases()) {
            byCase.put(c.id(), new ArrayList<>());
        }
        for (Sample s : samples) {
            byCase.get(s.caseId()).add(s);
        }
        for (Map.Entry<String, List<Sample>> e : byCase.entrySet()) {
            ObjectNode c = cases.addObject();
            c.put("case", e.getKey());
            totals(c, e.getValue(), facts);
            ArrayNode failures = c.putArray("failures");
            for (Sample s : e.getValue()) {
                if (!s.pass() && failures.size() < FAILURES_PER_CASE) {
                    ObjectNode f = failures.addObject();
                    f.put("sample", s.index());
                    f.put("request_id", s.requestId());
                    if (s.error() != null) {
                        f.put("error", s.error());
                    } else {
                        f.put("answer", EvalRunner.cut(s.answer().text(), 500));
                        ArrayNode reasons = f.putArray("reasons");
                        for (Verdict v : s.verdicts()) {
                            if (!v.pass()) {
                                reasons.add(v.grader() + ": " + v.reason());
                            }
                        }
                    }
                }
            }
        }
        if (minPassRate != null) {
            ObjectNode gate = r.putObject("gate");
            gate.put("min_pass_rate", minPassRate);
            gate.put("holds", rate >= minPassRate);
        }
        return new EvalReport(r, rate);
    }

    /** Fills {@code into} with the totals of {@code samples}; returns the pass rate. */
    private static double totals(ObjectNode into, List<Sample> samples, Map<String, JournalFacts> facts) {
        int n = samples.size();
        int passes = 0;
        int errors = 0;
        long cost = 0;
        long in = 0;
        long out = 0;
        int priced = 0;
        List<Double> latency = new ArrayList<>();
        List<Double> ttft = new ArrayList<>();
        for (Sample s : samples) {
            passes += s.pass() ? 1 : 0;
            errors += s.error() != null ? 1 : 0;
            if (s.error() == null) {
                latency.add(s.latencyMs());
            }
            JournalFacts f = s.requestId() == null ? null : facts.get(s.requestId());
            if (f != null) {
                if (f.costMicros() >= 0) {
                    cost += f.costMicros();
                    priced++;
                }
                in += Math.max(0, f.tokensIn());
                out += Math.max(0, f.tokensOut());
                if (f.ttftMs() >= 0 && s.error() == null) {
                    ttft.add(f.ttftMs());
                }
            }
        }
        double rate = n == 0 ? 0 : (double) passes / n;
        double[] ci = Wilson.interval95(passes, n);
        into.put("samples", n);
        into.put("passes", passes);
        into.put("pass_rate", round(rate, 4));
        into.put("ci95_low", round(ci[0], 4));
        into.put("ci95_high", round(ci[1], 4));
        into.put("errors", errors);
        into.put("cost", BigDecimal.valueOf(cost, 6).stripTrailingZeros().toPlainString());
        into.put("cost_micros", cost);
        into.put("priced_requests", priced);
        into.put("tokens_in", in);
        into.put("tokens_out", out);
        ObjectNode lat = into.putObject("latency_ms");
        percentiles(lat, latency);
        ObjectNode first = into.putObject("ttft_ms");
        percentiles(first, ttft);
        return rate;
    }

    private static void percentiles(ObjectNode into, List<Double> values) {
        if (values.isEmpty()) {
            return;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        into.put("p50", round(at(v, 0.50), 2));
        into.put("p95", round(at(v, 0.95), 2));
        into.put("p99", round(at(v, 0.99), 2));
        into.put("max", round(v[v.length - 1], 2));
    }

    /** The nearest-rank percentile {@code q} of {@code values} (0 when there are none). */
    static double percentile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return 0;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return at(v, q);
    }

    /** The nearest-rank percentile. */
    private static double at(double[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double round(double v, int places) {
        return BigDecimal.valueOf(v).setScale(places, RoundingMode.HALF_UP).doubleValue();
    }

    /** The overall pass rate. */
    public double passRate() {
        return passRate;
    }

    /** Whether the gate holds (true without one). */
    public boolean gateHolds() {
        return !json.has("gate") || json.path("gate").path("holds").asBoolean();
    }

    /** The report as JSON. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Prints the report for people. */
    public void print(PrintWriter out) {
        ObjectNode o = (ObjectNode) json.path("overall");
        out.printf(Locale.ROOT, "eval %s (version %s) on %s: %d cases x %d samples%n", json.path("set").asText(),
                json.path("set_version").asText(), json.path("target").asText(), json.path("cases").asInt(),
                json.path("samples_per_case").asInt());
        json.path("served_by").fields().forEachRemaining(e -> out.printf(Locale.ROOT, "  served by %s: %d%n",
                e.getKey(), e.getValue().asInt()));
        out.printf(Locale.ROOT, "pass rate %s%n", line(o));
        out.printf(Locale.ROOT, "cost %s (%d priced requests), tokens %d in / %d out%n", o.path("cost").asText(),
                o.path("priced_requests").asInt(), o.path("tokens_in").asLong(), o.path("tokens_out").asLong());
        out.printf(Locale.ROOT, "latency ms p50 %s p95 %s p99 %s; time to first token ms p50 %s p95 %s%n",
                o.path("latency_ms").path("p50").asText("-"), o.path("latency_ms").path("p95").asText("-"),
                o.path("latency_ms").path("p99").asText("-"), o.path("ttft_ms").path("p50").asText("-"),
                o.path("ttft_ms").path("p95").asText("-"));
        out.println("by case:");
        for (var c : json.path("by_case")) {
            out.printf(Locale.ROOT, "  %-24s %s%n", c.path("case").asText(), line((ObjectNode) c));
        }
        boolean header = false;
        for (var c : json.path("by_case")) {
            for (var f : c.path("failures")) {
                if (!header) {
                    out.println("failures (at most " + FAILURES_PER_CASE + " per case):");
                    header = true;
                }
                out.printf(Locale.ROOT, "  %s #%d %s: %s%n", c.path("case").asText(), f.path("sample").asInt(),
                        f.path("request_id").asText("-"), f.has("error") ? f.path("error").asText()
                                : String.join("; ", texts(f.path("reasons"))) + " | answer: "
                                + EvalRunner.cut(f.path("answer").asText(), 160).replace('\n', ' '));
            }
        }
        if (json.has("gate")) {
            out.printf(Locale.ROOT, "gate: pass rate %.4f against the minimum %.4f: %s%n", passRate,
                    json.path("gate").path("min_pass_rate").asDouble(), gateHolds() ? "holds" : "FAILS");
        }
        out.flush();
    }

    private static String line(ObjectNode n) {
        return String.format(Locale.ROOT, "%.4f (%d/%d), 95%% interval [%.4f, %.4f]%s", n.path("pass_rate").asDouble(),
                n.path("passes").asInt(), n.path("samples").asInt(), n.path("ci95_low").asDouble(),
                n.path("ci95_high").asDouble(), n.path("errors").asInt() > 0 ? ", " + n.path("errors").asInt()
                        + " without an answer" : "");
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(x -> out.add(x.asText()));
        return out;
    }

    /** The report as one HTML page with no outside resources. */
    public String html() {
        ObjectNode o = (ObjectNode) json.path("overall");
        StringBuilder h = new StringBuilder(4096);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>eval ")
                .append(esc(json.path("set").asText())).append(" on ").append(esc(json.path("target").asText()))
                .append("</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em;color:#111}"
                        + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
                        + "text-align:left;vertical-align:top}th{background:#f3f3f3}.fail{color:#a00}.ok{color:#070}"
                        + "pre{white-space:pre-wrap;margin:0;max-width:60em}</style></head><body>\n");
        h.append("<h1>eval ").append(esc(json.path("set").asText())).append(" <small>version ")
                .append(esc(json.path("set_version").asText())).append("</small></h1>\n<p>Target <b>")
                .append(esc(json.path("target").asText())).append("</b>: ").append(json.path("cases").asInt())
                .append(" cases &times; ").append(json.path("samples_per_case").asInt()).append(" samples.</p>\n");
        h.append("<p>Pass rate <b>").append(esc(line(o))).append("</b>. Cost ").append(esc(o.path("cost").asText()))
                .append(", tokens ").append(o.path("tokens_in").asLong()).append(" in / ")
                .append(o.path("tokens_out").asLong()).append(" out.</p>\n");
        if (json.has("gate")) {
            h.append("<p class=\"").append(gateHolds() ? "ok" : "fail").append("\">Gate: minimum pass rate ")
                    .append(json.path("gate").path("min_pass_rate").asDouble()).append(gateHolds() ? " holds"
                            : " fails").append(".</p>\n");
        }
        h.append("<table><caption>Served by</caption><tr><th>version and model</th><th>requests</th></tr>\n");
        json.path("served_by").fields().forEachRemaining(e -> h.append("<tr><td>").append(esc(e.getKey()))
                .append("</td><td>").append(e.getValue().asInt()).append("</td></tr>\n"));
        h.append("</table>\n<table><caption>By case</caption><tr><th>case</th><th>pass rate</th><th>95% interval</th>"
                + "<th>errors</th><th>latency p50 / p95 ms</th><th>failures</th></tr>\n");
        for (var c : json.path("by_case")) {
            h.append("<tr><td>").append(esc(c.path("case").asText())).append("</td><td>")
                    .append(c.path("pass_rate").asDouble()).append(" (").append(c.path("passes").asInt()).append('/')
                    .append(c.path("samples").asInt()).append(")</td><td>[").append(c.path("ci95_low").asDouble())
                    .append(", ").append(c.path("ci95_high").asDouble()).append("]</td><td>")
                    .append(c.path("errors").asInt()).append("</td><td>")
                    .append(esc(c.path("latency_ms").path("p50").asText("-"))).append(" / ")
                    .append(esc(c.path("latency_ms").path("p95").asText("-"))).append("</td><td>");
            for (var f : c.path("failures")) {
                h.append("<pre class=\"fail\">#").append(f.path("sample").asInt()).append(' ')
                        .append(esc(f.has("error") ? f.path("error").asText()
                                : String.join("; ", texts(f.path("reasons"))) + "\n" + f.path("answer").asText()))
                        .append("</pre>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n</body></html>\n");
        return h.toString();
    }

    private static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
