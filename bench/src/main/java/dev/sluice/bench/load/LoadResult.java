package dev.sluice.bench.load;

import static java.util.Objects.requireNonNull;

import org.HdrHistogram.Histogram;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of one load run: measured responses, errors by kind, status counts, and the time-to-first-event
 * and total-time histograms of the 2xx answers and the total-time histogram of the others (refusals), in
 * microseconds, all measured from the intended send time. Immutable after
 * construction (the histograms are copies); thread-safe.
 */
public final class LoadResult {
    /** Percentiles reported by {@link #toJson()} and {@link #toTable()}. */
    static final double[] PERCENTILES = {50, 90, 99, 99.9};

    private final LoadSpec spec;
    private final long requests;
    private final long warmupRequests;
    private final long connectionsOpened;
    private final Map<LoadError, Long> errors;
    private final Map<Integer, Long> statuses;
    private final Histogram ttft;
    private final Histogram total;
    /** Total time of the answers that were not 2xx (refusals), apart from {@link #total}. */
    private final Histogram refused;

    LoadResult(LoadSpec spec, long requests, long warmupRequests, long connectionsOpened,
               Map<LoadError, Long> errors, Map<Integer, Long> statuses, Histogram ttft, Histogram total,
               Histogram refused) {
        this.spec = requireNonNull(spec, "spec");
        this.requests = requests;
        this.warmupRequests = warmupRequests;
        this.connectionsOpened = connectionsOpened;
        this.errors = Collections.unmodifiableMap(new EnumMap<>(errors));
        this.statuses = Collections.unmodifiableMap(new TreeMap<>(statuses));
        this.ttft = ttft.copy();
        this.total = total.copy();
        this.refused = refused.copy();
    }

    public LoadSpec spec() {
        return spec;
    }

    /** Responses (any status) to requests intended after the warm-up. */
    public long requests() {
        return requests;
    }

    /** Responses during the warm-up, not recorded. */
    public long warmupRequests() {
        return warmupRequests;
    }

    public long connectionsOpened() {
        return connectionsOpened;
    }

    /** Measured seconds (the duration of the spec, the window requests were intended in). */
    public double durationSeconds() {
        return spec.durationNs() / 1e9;
    }

    /** Responses per second over the measured window. */
    public double rps() {
        return requests / durationSeconds();
    }

    /** All errors: failed, malformed, unterminated streams, timeouts and non-2xx responses. */
    public long errors() {
        long sum = 0;
        for (long v : errors.values()) {
            sum += v;
        }
        return sum;
    }

    /** Errors by kind (every kind present, zero when none). */
    public Map<LoadError, Long> errorsByKind() {
        return errors;
    }

    /** Responses by status code. */
    public Map<Integer, Long> statusCounts() {
        return statuses;
    }

    /** Time to the first body byte (streams: the first {@code data:} line) in µs; a copy. */
    public Histogram ttft() {
        return ttft.copy();
    }

    /** Total time to the end of the response in µs; a copy. */
    public Histogram total() {
        return total.copy();
    }

    /** The {@code percentile} of total time in milliseconds (NaN when nothing was recorded). */
    public double totalMs(double percentile) {
        return ms(total, percentile);
    }

    /** The {@code percentile} of time to first event in milliseconds (NaN when nothing was recorded). */
    public double ttftMs(double percentile) {
        return ms(ttft, percentile);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double maxMs(Histogram h) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0;
    }

    /** One JSON object: requests, rps, errors, status counts, ttft, total and refused percentiles in ms. */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"url\":\"http://").append(spec.host()).append(':').append(spec.port())
                .append(jsonEscape(spec.path())).append('"');
        sb.append(",\"mode\":\"").append(spec.openLoop() ? "open" : "closed").append('"');
        if (spec.openLoop()) {
            sb.append(",\"rate\":").append(num(spec.ratePerSecond()));
        }
        sb.append(",\"connections\":").append(spec.connections());
        sb.append(",\"connections_opened\":").append(connectionsOpened);
        sb.append(",\"duration_s\":").append(num(durationSeconds()));
        sb.append(",\"requests\":").append(requests);
        sb.append(",\"warmup_requests\":").append(warmupRequests);
        sb.append(",\"rps\":").append(num(rps()));
        sb.append(",\"errors\":").append(errors());
        sb.append(",\"error_kinds\":{");
        boolean first = true;
        for (Map.Entry<LoadError, Long> e : errors.entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey().name().toLowerCase(Locale.ROOT))
                    .append("\":").append(e.getValue());
            first = false;
        }
        sb.append("},\"status\":{");
        first = true;
        for (Map.Entry<Integer, Long> e : statuses.entrySet()) {
            sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(e.getValue());
            first = false;
        }
        sb.append("},\"ttft_ms\":");
        histogramJson(sb, ttft);
        sb.append(",\"total_ms\":");
        histogramJson(sb, total);
        sb.append(",\"refused_ms\":");
        histogramJson(sb, refused);
        return sb.append('}').toString();
    }

    private static void histogramJson(StringBuilder sb, Histogram h) {
        Map<String, Double> v = new LinkedHashMap<>();
        v.put("p50", ms(h, 50));
        v.put("p90", ms(h, 90));
        v.put("p99", ms(h, 99));
        v.put("p999", ms(h, 99.9));
        v.put("max", maxMs(h));
        v.put("mean", h.getTotalCount() == 0 ? Double.NaN : h.getMean() / 1000.0);
        sb.append("{\"count\":").append(h.getTotalCount());
        for (Map.Entry<String, Double> e : v.entrySet()) {
            sb.append(",\"").append(e.getKey()).append("\":").append(num(e.getValue()));
        }
        sb.append('}');
    }

    /** A percentile table for people. */
    public String toTable() {
        StringBuilder sb = new StringBuilder(512);
        sb.append(String.format(Locale.ROOT, "%s loop, %s: %d requests in %.1f s = %.1f req/s, errors %d%n",
                spec.openLoop() ? "open" : "closed",
                spec.openLoop() ? String.format(Locale.ROOT, "%.0f req/s offered, %d connections opened",
                        spec.ratePerSecond(), connectionsOpened) : spec.connections() + " connections",
                requests, durationSeconds(), rps(), errors()));
        sb.append("status:");
        statuses.forEach((s, c) -> sb.append(' ').append(s).append('=').append(c));
        if (errors() > 0) {
            sb.append("  errors:");
            errors.forEach((k, c) -> {
                if (c > 0) {
                    sb.append(' ').append(k.name().toLowerCase(Locale.ROOT)).append('=').append(c);
                }
            });
        }
        sb.append(String.format(Locale.ROOT, "%n%-8s %9s %9s %9s %9s %9s   (ms, from the intended send time)%n",
                "", "p50", "p90", "p99", "p99.9", "max"));
        row(sb, spec.sse() ? "ttft" : "first", ttft);
        row(sb, "total", total);
        if (refused.getTotalCount() > 0) {
            row(sb, "refused", refused);
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Histogram h) {
        sb.append(String.format(Locale.ROOT, "%-8s %9.3f %9.3f %9.3f %9.3f %9.3f%n", name, ms(h, 50), ms(h, 90),
                ms(h, 99), ms(h, 99.9), maxMs(h)));
    }

    private static String num(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static String jsonEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
