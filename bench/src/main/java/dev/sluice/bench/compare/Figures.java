package dev.sluice.bench.compare;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;

/**
 * The comparison's arithmetic: from what was measured per target and scenario to what the table shows, always
 * against {@code direct} in the same scenario of the same run: throughput ratio, added p50/p99 (total and time to
 * first event) and the proxy's CPU per request (and per event for paced streams). A figure whose inputs are
 * missing is NaN. Thread-safe (stateless).
 */
public final class Figures {
    /** The target every ratio and added latency is taken against. */
    public static final String DIRECT = "direct";

    private Figures() {
    }

    /**
     * What one target did in one scenario. Latencies in ms; {@code proxyCpuSeconds} over the measured window
     * (NaN for {@code direct}, which has no proxy); {@code eventsPerRequest} 0 unless CPU per event is wanted;
     * NaN for whatever was not measured. {@code hdrLogs} names the HdrHistogram interval logs of its load runs,
     * the one its p50/p99 come from first (empty when none were written).
     */
    public record Measurement(String target, String scenario, double rps, long requests, long errors,
                              double p50Ms, double p99Ms, double ttftP50Ms, double ttftP99Ms,
                              double probeTtftP50Ms, double probeTtftP99Ms, double proxyCpuSeconds,
                              int eventsPerRequest, double rssMb, double otherCores, List<String> hdrLogs) {
        public Measurement {
            requireNonNull(target, "target");
            requireNonNull(scenario, "scenario");
            hdrLogs = List.copyOf(requireNonNull(hdrLogs, "hdrLogs"));
        }
    }

    /** A {@link Measurement} with the figures derived from it and from {@code direct}'s. */
    public record Figure(Measurement m, double ratio, double cpuUsPerRequest, double cpuUsPerEvent,
                         double addedP50Ms, double addedP99Ms, double addedTtftP50Ms, double addedTtftP99Ms,
                         double addedProbeTtftP50Ms, double addedProbeTtftP99Ms) {
        public Figure {
            requireNonNull(m, "m");
        }
    }

    /** One {@link Figure} per measurement, in the same order. */
    public static List<Figure> derive(List<Measurement> measurements) {
        List<Figure> out = new ArrayList<>(measurements.size());
        for (Measurement m : measurements) {
            Measurement d = direct(measurements, m.scenario());
            double cpuPerReq = m.requests() > 0 ? m.proxyCpuSeconds() * 1e6 / m.requests() : Double.NaN;
            double cpuPerEvent = m.eventsPerRequest() > 0 ? cpuPerReq / m.eventsPerRequest() : Double.NaN;
            out.add(new Figure(m,
                    d == null || !(d.rps() > 0) ? Double.NaN : m.rps() / d.rps(),
                    cpuPerReq, cpuPerEvent,
                    minus(m.p50Ms(), d == null ? Double.NaN : d.p50Ms()),
                    minus(m.p99Ms(), d == null ? Double.NaN : d.p99Ms()),
                    minus(m.ttftP50Ms(), d == null ? Double.NaN : d.ttftP50Ms()),
                    minus(m.ttftP99Ms(), d == null ? Double.NaN : d.ttftP99Ms()),
                    minus(m.probeTtftP50Ms(), d == null ? Double.NaN : d.probeTtftP50Ms()),
                    minus(m.probeTtftP99Ms(), d == null ? Double.NaN : d.probeTtftP99Ms())));
        }
        return out;
    }

    private static Measurement direct(List<Measurement> all, String scenario) {
        for (Measurement m : all) {
            if (m.target().equals(DIRECT) && m.scenario().equals(scenario)) {
                return m;
            }
        }
        return null;
    }

    private static double minus(double a, double b) {
        return a - b;
    }
}
