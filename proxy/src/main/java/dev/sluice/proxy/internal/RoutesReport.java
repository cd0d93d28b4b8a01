package dev.sluice.proxy.internal;

import static dev.sluice.codec.JsonText.quote;

import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.DeploymentHealth;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Route;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The routes of a configuration snapshot with the live health of each deployment: circuit state, the time left
 * of an ejection or a cool-down, the moving average of time to first token and the counters. Served as JSON by
 * {@code GET /admin/routes} and as gauges in {@code /metrics}. Thread-safe (stateless).
 */
final class RoutesReport {
    private RoutesReport() {
    }

    static String json(GatewayConfig config, long nowNs, RequestMetrics metrics) {
        Function<RequestMetrics.Key, List<String>> route = k -> List.of(k.alias, k.deployment);
        Map<List<String>, Histogram.Snapshot> durations = metrics.group(RequestMetrics.Measure.DURATION, route);
        Map<List<String>, Histogram.Snapshot> ttfts = metrics.group(RequestMetrics.Measure.TIME_TO_FIRST_TOKEN,
                route);
        StringBuilder b = new StringBuilder(1024).append("{\"config_version\":\"").append(config.version())
                .append("\",\"routes\":[");
        boolean firstRoute = true;
        for (Route r : config.routes().routes()) {
            if (!firstRoute) {
                b.append(',');
            }
            firstRoute = false;
            b.append("{\"alias\":").append(quote(r.name())).append(",\"strategy\":\"").append(r.strategy().configName())
                    .append("\",\"max_attempts\":").append(r.policy().maxAttempts()).append(",\"deployments\":[");
            boolean first = true;
            for (Deployment d : r.deployments()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                DeploymentHealth h = d.health();
                b.append("{\"deployment\":").append(quote(d.name()))
                        .append(",\"enabled\":").append(d.provider().enabled())
                        .append(",\"weight\":").append(d.weight())
                        .append(",\"priority\":").append(d.priority())
                        .append(",\"circuit\":\"").append(stateName(h.state(nowNs))).append('"')
                        .append(",\"ejected_for_ms\":").append(remainingMs(h.ejectedUntilNs(), nowNs))
                        .append(",\"cooling_down_for_ms\":").append(remainingMs(h.coolDownUntilNs(), nowNs))
                        .append(",\"ejections\":").append(h.ejections())
                        .append(",\"ewma_ttft_ms\":").append(String.format(Locale.ROOT, "%.3f",
                                h.ewmaTtftNs() / 1e6))
                        .append(",\"picks\":").append(h.picks())
                        .append(",\"probes\":").append(h.probes())
                        .append(",\"successes\":").append(h.successes())
                        .append(",\"upstream_failures\":").append(h.upstreamFailures())
                        .append(",\"connect_failures\":").append(h.connectFailures())
                        .append(",\"timeouts\":").append(h.timeouts());
                Histogram.Snapshot dur = durations.get(List.of(r.name(), d.name()));
                Histogram.Snapshot ttft = ttfts.get(List.of(r.name(), d.name()));
                b.append(",\"latency\":{\"requests\":").append(dur == null ? 0 : dur.count())
                        .append(",\"p50_ms\":").append(ms(dur, 0.50)).append(",\"p99_ms\":").append(ms(dur, 0.99))
                        .append(",\"ttft_p50_ms\":").append(ms(ttft, 0.50))
                        .append(",\"ttft_p99_ms\":").append(ms(ttft, 0.99)).append("}}");
            }
            b.append("]}");
        }
        return b.append("]}").toString();
    }

    /** Appends each deployment's circuit state and failure counters to a scrape. */
    static void metrics(GatewayConfig config, long nowNs, MetricsText m) {
        m.family("sluice_deployment_circuit_open", "gauge", "1 while a deployment is ejected or half open (its "
                + "circuit is not closed), per model alias and deployment.");
        for (Route r : config.routes().routes()) {
            for (Deployment d : r.deployments()) {
                m.sample("sluice_deployment_circuit_open", d.health().state(nowNs) == DeploymentHealth.CLOSED ? 0 : 1,
                        "alias", r.name(), "deployment", d.name());
            }
        }
        m.family("sluice_deployment_failures_total", "counter", "Failed attempts per model alias and deployment, by "
                + "kind: upstream (an error status), connect, timeout.");
        for (Route r : config.routes().routes()) {
            for (Deployment d : r.deployments()) {
                DeploymentHealth h = d.health();
                m.sample("sluice_deployment_failures_total", h.upstreamFailures(), "alias", r.name(), "deployment",
                        d.name(), "kind", "upstream");
                m.sample("sluice_deployment_failures_total", h.connectFailures(), "alias", r.name(), "deployment",
                        d.name(), "kind", "connect");
                m.sample("sluice_deployment_failures_total", h.timeouts(), "alias", r.name(), "deployment",
                        d.name(), "kind", "timeout");
            }
        }
    }

    /** The {@code q} quantile in milliseconds, interpolated within its bucket; {@code null} without counts. */
    private static String ms(Histogram.Snapshot h, double q) {
        if (h == null || h.count() == 0) {
            return "null";
        }
        double ns = h.quantile(q);
        return String.format(Locale.ROOT, "%.1f", ns / 1e6);
    }

    private static String stateName(int state) {
        return state == DeploymentHealth.CLOSED ? "closed" : state == DeploymentHealth.OPEN ? "open" : "half_open";
    }

    private static long remainingMs(long untilNs, long nowNs) {
        return untilNs > nowNs ? TimeUnit.NANOSECONDS.toMillis(untilNs - nowNs) : 0;
    }
}
