package dev.sluice.proxy.internal;

import static dev.sluice.codec.JsonText.quote;

import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.DeploymentHealth;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Route;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The routes of a configuration snapshot with the live health of each deployment: circuit state, the time left
 * of an ejection or a cool-down, the moving average of time to first token and the counters. Served as JSON by
 * {@code GET /admin/routes} and as gauges in {@code /metrics}. Thread-safe (stateless).
 */
final class RoutesReport {
    private RoutesReport() {
    }

    static String json(GatewayConfig config, long nowNs) {
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
                        .append(",\"timeouts\":").append(h.timeouts()).append('}');
            }
            b.append("]}");
        }
        return b.append("]}").toString();
    }

    /** Appends one gauge per deployment to a Prometheus text exposition. */
    static void metrics(GatewayConfig config, long nowNs, StringBuilder b) {
        b.append("# TYPE sluice_deployment_circuit_open gauge\n");
        for (Route r : config.routes().routes()) {
            for (Deployment d : r.deployments()) {
                b.append("sluice_deployment_circuit_open{alias=").append(quote(r.name())).append(",deployment=")
                        .append(quote(d.name())).append("} ")
                        .append(d.health().state(nowNs) == DeploymentHealth.CLOSED ? 0 : 1).append('\n');
            }
        }
        b.append("# TYPE sluice_deployment_failures_total counter\n");
        for (Route r : config.routes().routes()) {
            for (Deployment d : r.deployments()) {
                DeploymentHealth h = d.health();
                String labels = "{alias=" + quote(r.name()) + ",deployment=" + quote(d.name());
                b.append("sluice_deployment_failures_total").append(labels).append(",kind=\"upstream\"} ")
                        .append(h.upstreamFailures()).append('\n');
                b.append("sluice_deployment_failures_total").append(labels).append(",kind=\"connect\"} ")
                        .append(h.connectFailures()).append('\n');
                b.append("sluice_deployment_failures_total").append(labels).append(",kind=\"timeout\"} ")
                        .append(h.timeouts()).append('\n');
            }
        }
    }

    private static String stateName(int state) {
        return state == DeploymentHealth.CLOSED ? "closed" : state == DeploymentHealth.OPEN ? "open" : "half_open";
    }

    private static long remainingMs(long untilNs, long nowNs) {
        return untilNs > nowNs ? TimeUnit.NANOSECONDS.toMillis(untilNs - nowNs) : 0;
    }
}
