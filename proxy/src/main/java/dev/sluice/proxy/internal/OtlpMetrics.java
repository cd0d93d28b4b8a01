package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.routing.config.TelemetrySettings;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.Data;
import io.opentelemetry.sdk.metrics.data.HistogramData;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricProducer;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The GenAI metrics over OTLP: every {@code telemetry.otlp.metrics_interval_ms}, the SDK's periodic reader takes
 * {@link RequestMetrics}' histograms (the same counts {@code /metrics} shows) as cumulative OpenTelemetry
 * histograms named by the GenAI semantic conventions ({@code gen_ai.client.operation.duration},
 * {@code gen_ai.client.token.usage}, {@code gen_ai.server.time_to_first_token},
 * {@code gen_ai.server.time_per_output_token}) and exports them on its own thread. Nothing is recorded twice: the
 * request path counts once, in {@link RequestMetrics}. Thread-safe.
 */
public final class OtlpMetrics implements AutoCloseable {
    private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("dev.sluice.proxy");
    private static final List<AttributeKey<String>> GEN_AI = List.of(Tracing.OPERATION, Tracing.PROVIDER,
            Tracing.REQUEST_MODEL, Tracing.RESPONSE_MODEL);
    private static final AttributeKey<String> TOKEN_TYPE = AttributeKey.stringKey("gen_ai.token.type");

    private final SdkMeterProvider provider;

    private OtlpMetrics(SdkMeterProvider provider) {
        this.provider = provider;
    }

    /** Starts exporting the request metrics of {@code gateway} every interval of {@code settings}. */
    public static OtlpMetrics start(TelemetrySettings settings, GatewayMetrics gateway, Clock clock) {
        RequestMetrics metrics = gateway.requestMetrics();
        MetricExporter exporter = OtlpHttpMetricExporter.builder().setEndpoint(settings.metricsUrl())
                .setTimeout(Duration.ofMillis(settings.timeoutMs()))
                .setConnectTimeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 5_000))).build();
        Resource resource = Tracing.resource(settings);
        SdkMeterProvider provider = SdkMeterProvider.builder().setResource(resource)
                .registerMetricReader(PeriodicMetricReader.builder(exporter)
                        .setInterval(Duration.ofMillis(settings.metricsIntervalMs())).build())
                .registerMetricProducer(new Producer(metrics, clock))
                .build();
        return new OtlpMetrics(provider);
    }

    /** Exports once more and stops. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }

    /** Reads the histograms at each collection. */
    private static final class Producer implements MetricProducer {
        private final RequestMetrics metrics;
        private final Clock clock;
        /** The start of every cumulative point: when counting began. */
        private final long startEpochNs;

        Producer(RequestMetrics metrics, Clock clock) {
            this.metrics = metrics;
            this.clock = clock;
            this.startEpochNs = clock.wallMicros() * 1000;
        }

        @Override
        public Collection<MetricData> produce(Resource resource) {
            long now = clock.wallMicros() * 1000;
            List<MetricData> out = new ArrayList<>(4);
            out.add(metric(resource, "gen_ai.client.operation.duration", "GenAI operation duration: a request "
                    + "through the gateway, first byte to end.", "s", points(metrics.group(
                            RequestMetrics.Measure.DURATION, RequestMetrics.GEN_AI_ERROR), 1e9, now, l -> {
                                AttributesBuilder b = genAi(l);
                                if (!l.get(4).isEmpty()) {
                                    b.put(Tracing.ERROR_TYPE, l.get(4));
                                }
                                return b.build();
                            })));
            List<HistogramPointData> tokens = new ArrayList<>(points(metrics.group(
                    RequestMetrics.Measure.INPUT_TOKENS, RequestMetrics.GEN_AI), 1, now,
                    l -> genAi(l).put(TOKEN_TYPE, "input").build()));
            tokens.addAll(points(metrics.group(RequestMetrics.Measure.OUTPUT_TOKENS, RequestMetrics.GEN_AI), 1, now,
                    l -> genAi(l).put(TOKEN_TYPE, "output").build()));
            out.add(metric(resource, "gen_ai.client.token.usage", "Tokens of one request by type, as billed.",
                    "{token}", tokens));
            out.add(metric(resource, "gen_ai.server.time_to_first_token", "Time to first token, streamed answers.",
                    "s", points(metrics.group(RequestMetrics.Measure.TIME_TO_FIRST_TOKEN, RequestMetrics.GEN_AI), 1e9,
                            now, l -> genAi(l).build())));
            out.add(metric(resource, "gen_ai.server.time_per_output_token", "Time per output token after the first, "
                    + "streamed answers.", "s", points(metrics.group(RequestMetrics.Measure.TIME_PER_OUTPUT_TOKEN,
                            RequestMetrics.GEN_AI), 1e9, now, l -> genAi(l).build())));
            return out;
        }

        private List<HistogramPointData> points(Map<List<String>, Histogram.Snapshot> groups, double scale, long now,
                                                Function<List<String>, Attributes> attributes) {
            List<HistogramPointData> out = new ArrayList<>(groups.size());
            for (Map.Entry<List<String>, Histogram.Snapshot> e : groups.entrySet()) {
                Histogram.Snapshot h = e.getValue();
                long count = h.count();
                if (count == 0) {
                    continue;
                }
                List<Double> bounds = new ArrayList<>(h.bounds().length);
                for (long b : h.bounds()) {
                    bounds.add(b / scale);
                }
                List<Long> counts = new ArrayList<>(h.counts().length);
                for (long c : h.counts()) {
                    counts.add(c);
                }
                out.add(HistogramPointData.create(startEpochNs, now, attributes.apply(e.getKey()), h.sum() / scale,
                        false, 0, false, 0, bounds, counts));
            }
            return out;
        }
    }

    private static AttributesBuilder genAi(List<String> labels) {
        AttributesBuilder b = Attributes.builder();
        for (int i = 0; i < GEN_AI.size(); i++) {
            b.put(GEN_AI.get(i), labels.get(i));
        }
        return b;
    }

    private static MetricData metric(Resource resource, String name, String description, String unit,
                                     List<HistogramPointData> points) {
        return new HistogramMetric(resource, name, description, unit, HistogramData.create(
                AggregationTemporality.CUMULATIVE, points));
    }

    /** One histogram metric. */
    private record HistogramMetric(Resource resource, String name, String description, String unit,
                                   HistogramData data)
            implements MetricData {
        @Override
        public Resource getResource() {
            return resource;
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return SCOPE;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String getDescription() {
            return description;
        }

        @Override
        public String getUnit() {
            return unit;
        }

        @Override
        public MetricDataType getType() {
            return MetricDataType.HISTOGRAM;
        }

        @Override
        public Data<?> getData() {
            return data;
        }
    }
}
