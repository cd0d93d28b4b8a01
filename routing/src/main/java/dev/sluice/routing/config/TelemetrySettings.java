package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

/**
 * The {@code telemetry:} block: where the gateway sends its OpenTelemetry traces and metrics (OTLP over HTTP with
 * protobuf), off unless {@code telemetry.otlp.endpoint} is set. Read at start; a reload keeps the running values.
 * Thread-safe (immutable).
 *
 * @param otlpEndpoint the collector's base URL, such as {@code http://127.0.0.1:4318}: traces go to
 *                     {@code /v1/traces} under it, metrics to {@code /v1/metrics}
 * @param serviceName the {@code service.name} of the gateway's resource
 * @param queueSize finished spans waiting for export at most; past it, spans are dropped and counted
 * @param timeoutMs the longest one export may take
 * @param metricsIntervalMs how often metrics are exported
 */
public record TelemetrySettings(String otlpEndpoint, String serviceName, int queueSize, int timeoutMs,
                                int metricsIntervalMs) {
    public static final String DEFAULT_SERVICE_NAME = "sluice";
    public static final int DEFAULT_QUEUE_SIZE = 2048;
    public static final int DEFAULT_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_METRICS_INTERVAL_MS = 60_000;

    public TelemetrySettings {
        requireNonNull(otlpEndpoint, "otlpEndpoint");
        requireNonNull(serviceName, "serviceName");
    }

    /** The URL traces are posted to. */
    public String tracesUrl() {
        return join("/v1/traces");
    }

    /** The URL metrics are posted to. */
    public String metricsUrl() {
        return join("/v1/metrics");
    }

    private String join(String path) {
        return otlpEndpoint.endsWith("/") ? otlpEndpoint.substring(0, otlpEndpoint.length() - 1) + path
                : otlpEndpoint + path;
    }
}
