package dev.sluice.proxy.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.routing.evals.EvalCase;
import dev.sluice.routing.evals.EvalSet;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A candidate against a baseline on the same cases: per case, the difference of pass rates with its 95% interval
 * (Newcombe's, from the two Wilson intervals); overall, the mean of the per-case differences with a paired t
 * interval over the cases (each case answered by both, so what the cases share cancels out). Better or worse when
 * the interval leaves no doubt of the sign, else not distinguishable. Also the cost per request and the median
 * latency of each. Immutable once built.
 */
public final class EvalComparison {
    /** What the overall test is, as the report names it. */
    public static final String TEST = "paired t interval over cases of the per-case pass-rate differences "
            + "(candidate - baseline); per case, Newcombe's interval from the two Wilson intervals";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** t quantiles (0.975) for 1 to 29 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045};

    private final ObjectNode json;
    private final String verdict;

    private EvalComparison(ObjectNode json, String verdict) {
        this.json = json;
        this.verdict = verdict;
    }

    /** Compares {@code candidate}'s samples with {@code baseline}'s, case by case. */
    public static EvalComparison of(EvalSet set, String baselineTarget, List<Sample> baseline,
                                    Map<String, JournalFacts> baselineFacts, String candidateTarget,
                                    List<Sample> candidate, Map<String, JournalFacts> candidateFacts) {
        ObjectNode r = JSON.createObjectNode();
        r.put("set", set.name());
        r.put("set_version", set.version());
        r.put("test", TEST);
        side(r.putObject("baseline"), baselineTarget, baseline, baselineFacts);
        side(r.putObject("candidate"), candidateTarget, candidate, candidateFacts);
        ArrayNode cases = r.putArray("by_case");
        List<Double> diffs = new ArrayList<>();
        for (EvalCase c : set.cases()) {
            int[] b = passes(baseline, c.id());
            int[] k = passes(candidate, c.id());
            double pb = b[1] == 0 ? 0 : (double) b[0] / b[1];
            double pk = k[1] == 0 ? 0 : (double) k[0] / k[1];
            double d = pk - pb;
            double[] ci = Wilson.difference95(k[0], k[1], b[0], b[1]);
            double low = ci[0];
            double high = ci[1];
            ObjectNode n = cases.addObject();
            n.put("case", c.id());
            n.put("baseline_pass_rate", round(pb));
            n.put("candidate_pass_rate", round(pk));
            n.put("difference", round(d));
            n.put("ci95_low", round(low));
            n.put("ci95_high", round(high));
            n.put("verdict", verdict(low, high));
            diffs.add(d);
        }
        double mean = diffs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
        double low;
        double high;
        if (diffs.size() < 2) {
            low = cases.isEmpty() ? 0 : cases.get(0).path("ci95_low").asDouble();
            high = cases.isEmpty() ? 0 : cases.get(0).path("ci95_high").asDouble();
        } else {
            double ss = 0;
            for (double d : diffs) {
                ss += sq(d - mean);
            }
            double se = Math.sqrt(ss / (diffs.size() - 1)) / Math.sqrt(diffs.size());
            double t = t975(diffs.size() - 1);
            low = mean - t * se;
            high = mean + t * se;
        }
        String overall = verdict(low, high);
        ObjectNode o = r.putObject("overall");
        o.put("cases", diffs.size());
        o.put("difference", round(mean));
        o.put("ci95_low", round(low));
        o.put("ci95_high", round(high));
        o.put("verdict", overall);
        JsonNode bs = r.path("baseline");
        JsonNode cs = r.path("candidate");
        ObjectNode cost = r.putObject("cost_per_request_micros");
        cost.put("baseline", bs.path("cost_per_request_micros").asDouble());
        cost.put("candidate", cs.path("cost_per_request_micros").asDouble());
        cost.put("difference", round(cs.path("cost_per_request_micros").asDouble()
                - bs.path("cost_per_request_micros").asDouble()));
        ObjectNode latency = r.putObject("latency_p50_ms");
        latency.put("baseline", bs.path("latency_p50_ms").asDouble());
        latency.put("candidate", cs.path("latency_p50_ms").asDouble());
        latency.put("difference", round(cs.path("latency_p50_ms").asDouble() - bs.path("latency_p50_ms").asDouble()));
        return new EvalComparison(r, overall);
    }

    private static void side(ObjectNode into, String target, List<Sample> samples, Map<String, JournalFacts> facts) {
        into.put("target", target);
        int passes = 0;
        long cost = 0;
        int priced = 0;
        List<Double> latency = new ArrayList<>();
        for (Sample s : samples) {
            passes += s.pass() ? 1 : 0;
            if (s.error() == null) {
                latency.add(s.latencyMs());
            }
            JournalFacts f = s.requestId() == null ? null : facts.get(s.requestId());
            if (f != null && f.costMicros() >= 0) {
                cost += f.costMicros();
                priced++;
            }
        }
        double[] ci = Wilson.interval95(passes, samples.size());
        into.put("samples", samples.size());
        into.put("passes", passes);
        into.put("pass_rate", round(samples.isEmpty() ? 0 : (double) passes / samples.size()));
        into.put("ci95_low", round(ci[0]));
        into.put("ci95_high", round(ci[1]));
        into.put("cost_per_request_micros", priced == 0 ? 0 : round((double) cost / priced));
        into.put("latency_p50_ms", round(EvalReport.percentile(latency, 0.5)));
    }

    private static int[] passes(List<Sample> samples, String caseId) {
        int[] out = new int[2];
        for (Sample s : samples) {
            if (s.caseId().equals(caseId)) {
                out[0] += s.pass() ? 1 : 0;
                out[1]++;
            }
        }
        return out;
    }

    private static String verdict(double low, double high) {
        return low > 0 ? "better" : high < 0 ? "worse" : "not distinguishable";
    }

    /** The 0.975 quantile of Student's t with {@code df} degrees of freedom. */
    static double t975(int df) {
        if (df <= T975.length) {
            return T975[Math.max(1, df) - 1];
        }
        double z = Wilson.Z95;
        return z + (z * z * z + z) / (4.0 * df) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * df * df);
    }

    private static double sq(double x) {
        return x * x;
    }

    private static double round(double v) {
        return Math.round(v * 10_000) / 10_000.0;
    }

    /** Whether the candidate is worse overall. */
    public boolean worse() {
        return verdict.equals("worse");
    }

    /** The overall verdict: better, worse or not distinguishable. */
    public String verdict() {
        return verdict;
    }

    /** The comparison as JSON. */
    public ObjectNode json() {
        return json.deepCopy();
    }

    /** Prints the comparison for people. */
    public void print(PrintWriter out) {
        JsonNode b = json.path("baseline");
        JsonNode c = json.path("candidate");
        JsonNode o = json.path("overall");
        out.printf(Locale.ROOT, "eval compare %s (version %s)%n", json.path("set").asText(),
                json.path("set_version").asText());
        out.printf(Locale.ROOT, "  baseline  %-32s pass rate %.4f [%.4f, %.4f] (%d/%d)%n", b.path("target").asText(),
                b.path("pass_rate").asDouble(), b.path("ci95_low").asDouble(), b.path("ci95_high").asDouble(),
                b.path("passes").asInt(), b.path("samples").asInt());
        out.printf(Locale.ROOT, "  candidate %-32s pass rate %.4f [%.4f, %.4f] (%d/%d)%n", c.path("target").asText(),
                c.path("pass_rate").asDouble(), c.path("ci95_low").asDouble(), c.path("ci95_high").asDouble(),
                c.path("passes").asInt(), c.path("samples").asInt());
        out.printf(Locale.ROOT, "overall: %s, difference %+.4f, 95%% interval [%+.4f, %+.4f] over %d cases%n",
                o.path("verdict").asText().toUpperCase(Locale.ROOT), o.path("difference").asDouble(),
                o.path("ci95_low").asDouble(), o.path("ci95_high").asDouble(), o.path("cases").asInt());
        out.printf(Locale.ROOT, "cost per request (micros): %.1f -> %.1f (%+.1f); latency p50 ms: %.2f -> %.2f "
                        + "(%+.2f)%n", json.at("/cost_per_request_micros/baseline").asDouble(),
                json.at("/cost_per_request_micros/candidate").asDouble(),
                json.at("/cost_per_request_micros/difference").asDouble(),
                json.at("/latency_p50_ms/baseline").asDouble(), json.at("/latency_p50_ms/candidate").asDouble(),
                json.at("/latency_p50_ms/difference").asDouble());
        out.println("by case:");
        for (JsonNode n : json.path("by_case")) {
            out.printf(Locale.ROOT, "  %-24s %.4f -> %.4f  %+.4f [%+.4f, %+.4f]  %s%n", n.path("case").asText(),
                    n.path("baseline_pass_rate").asDouble(), n.path("candidate_pass_rate").asDouble(),
                    n.path("difference").asDouble(), n.path("ci95_low").asDouble(), n.path("ci95_high").asDouble(),
                    n.path("verdict").asText());
        }
        out.println("test: " + TEST);
        out.flush();
    }
}
