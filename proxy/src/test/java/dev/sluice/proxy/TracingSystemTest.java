package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;

import dev.sluice.mock.MockRecord;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * Traces and the GenAI metrics over OTLP/HTTP to a real HTTP listener, decoded with the OpenTelemetry protobuf
 * definitions: one server
 * span per request with the GenAI attributes, continuing the client's {@code traceparent}; one client span per
 * upstream attempt (a fallback shows two), whose context is the {@code traceparent} the provider received; and with
 * the collector gone, every request still answered.
 */
class TracingSystemTest {
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final Map<String, String> resource = new ConcurrentHashMap<>();
    /** The latest export of each metric: its points. */
    private final Map<String, List<HistogramDataPoint>> metrics = new ConcurrentHashMap<>();
    private final Map<String, String> units = new ConcurrentHashMap<>();
    private HttpServer collector;
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (collector != null) {
            collector.stop(0);
        }
    }

    @Test
    void everyRequestIsATraceWithOneSpanPerAttemptAndNoneFailsWithoutTheCollector() throws Exception {
        collector = startCollector(0);
        gw = TestGateway.startWith(MetricsSystemTest.fallbackConfig("telemetry: {service_name: sluice-test, otlp: "
                + "{endpoint: \"http://127.0.0.1:" + collector.getAddress().getPort() + "\", timeout_ms: 1000, "
                + "queue_size: 256, metrics_interval_ms: 200}}\n", "",
                "teams:\n  t: {}\nkeys:\n" + GovernanceSystemTest.keyLine("kt", "sk-tracing-0001", "")));

        HttpResponse<String> traced = gw.post("sk-tracing-0001", "/v1/chat/completions", chat("demo",
                "[[mock tokens=6]]", false), "traceparent", "00-" + CLIENT_TRACE + "-" + CLIENT_SPAN + "-01");
        assertThat(traced.statusCode()).isEqualTo(200);
        HttpResponse<String> streamed = gw.post("sk-tracing-0001", "/v1/chat/completions", chat("demo",
                "[[mock tokens=4]]", true));
        assertThat(streamed.statusCode()).isEqualTo(200);
        HttpResponse<String> fallback = gw.post("sk-tracing-0001", "/v1/chat/completions", chat("sturdy",
                "[[mock tokens=3]]", false));
        assertThat(fallback.statusCode()).isEqualTo(200);
        HttpResponse<String> failed = gw.post("sk-tracing-0001", "/v1/chat/completions", chat("demo",
                "[[mock status=500]]", false));
        assertThat(failed.statusCode()).isGreaterThanOrEqualTo(500);
        HttpResponse<String> refused = gw.post("sk-wrong-key", "/v1/chat/completions", chat("demo", "", false));
        assertThat(refused.statusCode()).isEqualTo(401);
        List<String> ids = List.of(TestGateway.requestId(traced), TestGateway.requestId(streamed),
                TestGateway.requestId(fallback), TestGateway.requestId(failed), TestGateway.requestId(refused));

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> requestSpan(id) != null));
        assertThat(resource).containsEntry("service.name", "sluice-test");

        // The client's trace goes on: the request's span is the child of the client's span.
        Span request = requestSpan(ids.get(0));
        assertThat(hex(request.getTraceId().toByteArray())).isEqualTo(CLIENT_TRACE);
        assertThat(hex(request.getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
        assertThat(request.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(request.getName()).isEqualTo("chat demo");
        Map<String, Object> a = attributes(request);
        assertThat(a).containsEntry("gen_ai.operation.name", "chat").containsEntry("gen_ai.provider.name", "openai")
                .containsEntry("gen_ai.request.model", "demo").containsEntry("gen_ai.response.model", "mock-gpt")
                .containsEntry("gen_ai.usage.output_tokens", 6L).containsEntry("http.response.status_code", 200L)
                .containsEntry("sluice.request_id", ids.get(0)).containsEntry("sluice.key_id", "kt")
                .containsEntry("gen_ai.response.finish_reasons", List.of("stop"));
        assertThat((Long) a.get("gen_ai.usage.input_tokens")).isPositive();
        assertThat(a).doesNotContainKey("error.type");
        List<Span> attempts = children(request);
        assertThat(attempts).singleElement().satisfies(s -> {
            assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
            assertThat(attributes(s)).containsEntry("sluice.deployment", "mock/mock-gpt")
                    .containsEntry("sluice.attempt.outcome", "ok").containsEntry("gen_ai.request.model", "mock-gpt");
        });
        // What the provider received: the attempt's context, in the client's trace.
        MockRecord upstream = gw.upstreamRecords().stream().filter(r -> r.header("traceparent") != null
                && r.header("traceparent").contains(CLIENT_TRACE)).findFirst().orElseThrow();
        assertThat(upstream.header("traceparent")).isEqualTo("00-" + CLIENT_TRACE + "-"
                + hex(attempts.get(0).getSpanId().toByteArray()) + "-01");

        // A stream: the same attributes, a new trace.
        Span stream = requestSpan(ids.get(1));
        assertThat(hex(stream.getTraceId().toByteArray())).isNotEqualTo(CLIENT_TRACE);
        assertThat(stream.getParentSpanId().isEmpty()).as("a root span").isTrue();
        assertThat(attributes(stream)).containsEntry("gen_ai.usage.output_tokens", 4L);
        assertThat(children(stream)).hasSize(1);

        // A fallback: two attempt spans, the first failed on the dead deployment, the second served.
        List<Span> tries = children(requestSpan(ids.get(2)));
        assertThat(tries).hasSize(2);
        tries.sort((x, y) -> Long.compare(x.getStartTimeUnixNano(), y.getStartTimeUnixNano()));
        assertThat(attributes(tries.get(0))).containsEntry("sluice.deployment", "dead/gpt-dead")
                .containsEntry("sluice.attempt.outcome", "connect_refused")
                .containsEntry("error.type", "connect_refused");
        assertThat(tries.get(0).getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(attributes(tries.get(1))).containsEntry("sluice.deployment", "mock/mock-gpt")
                .containsEntry("sluice.attempt.outcome", "ok");
        assertThat(tries.get(0).getEndTimeUnixNano()).isLessThanOrEqualTo(tries.get(1).getStartTimeUnixNano());

        // An upstream error and a refusal: error.type, and the request's span in error.
        Span error = requestSpan(ids.get(3));
        assertThat(attributes(error)).containsKey("error.type");
        assertThat(error.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
        assertThat(children(error)).isNotEmpty();
        Span unauthorized = requestSpan(ids.get(4));
        assertThat(attributes(unauthorized)).containsEntry("http.response.status_code", 401L)
                .containsKey("error.type");
        assertThat(children(unauthorized)).isEmpty();
        System.out.printf("traces: %d spans for 5 requests (fallback: %d attempt spans); the provider received "
                + "traceparent %s%n", spans.size(), tries.size(), upstream.header("traceparent"));

        // The GenAI metrics over OTLP: the same counts as /metrics, the conventions' names and units.
        await().atMost(Duration.ofSeconds(30)).until(() -> count("gen_ai.client.operation.duration",
                Map.of("gen_ai.request.model", "demo")) == 3 && count("gen_ai.client.operation.duration",
                Map.of("gen_ai.request.model", "sturdy")) == 1);
        assertThat(units).containsEntry("gen_ai.client.operation.duration", "s")
                .containsEntry("gen_ai.client.token.usage", "{token}")
                .containsEntry("gen_ai.server.time_to_first_token", "s")
                .containsEntry("gen_ai.server.time_per_output_token", "s");
        assertThat(count("gen_ai.client.operation.duration", Map.of("error.type", attributes(error)
                .get("error.type").toString()))).isEqualTo(1);
        long billed = gw.journal().stream().filter(e -> e.isFinished() && e.end().tokensOut() >= 0
                && e.end().deployment() != null && e.end().attemptCount() > 0).count();
        assertThat(count("gen_ai.client.token.usage", Map.of("gen_ai.token.type", "output",
                "gen_ai.provider.name", "openai"))).as("the requests with an output count").isEqualTo(billed);
        assertThat(count("gen_ai.server.time_to_first_token", Map.of("gen_ai.request.model", "demo")))
                .as("the one stream").isEqualTo(1);

        // The collector gone: every request answered, the spans counted as failed or dropped. Blocks alternate
        // between the collector up and stopped (then up again on the same port), after a warm-up.
        int n = Integer.getInteger("sluice.tracing.requests", 100);
        int port = collector.getAddress().getPort();
        timed(2 * n);
        List<Long> up = new ArrayList<>();
        List<Long> down = new ArrayList<>();
        for (int block = 0; block < 3; block++) {
            for (long t : timed(n)) {
                up.add(t);
            }
            collector.stop(0);
            collector = null;
            long before = gw.gateway().tracing().failed() + gw.gateway().tracing().dropped();
            for (long t : timed(n)) {
                down.add(t);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> gw.gateway().tracing().failed()
                    + gw.gateway().tracing().dropped() >= before + 2L * n);
            collector = startCollector(port);
        }
        System.out.printf("traces without a collector: %d of %d requests answered 200 while it was stopped; spans "
                + "failed %d, dropped %d, exported %d; client latency (reported, not asserted), 3 blocks of %d "
                + "each: collector up p50 %.2f ms p99 %.2f ms, collector stopped p50 %.2f ms p99 %.2f ms%n", 3 * n,
                3 * n, gw.gateway().tracing().failed(), gw.gateway().tracing().dropped(),
                gw.gateway().tracing().exported(), n, pct(up, 50), pct(up, 99), pct(down, 50), pct(down, 99));
    }

    /** A collector on {@code port} (0: any) that keeps every span it is sent. */
    private HttpServer startCollector(int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/v1/traces", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans rs : req.getResourceSpansList()) {
                for (KeyValue kv : rs.getResource().getAttributesList()) {
                    resource.put(kv.getKey(), kv.getValue().getStringValue());
                }
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    spans.addAll(ss.getSpansList());
                }
            }
            byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.createContext("/v1/metrics", ex -> {
            ExportMetricsServiceRequest req = ExportMetricsServiceRequest.parseFrom(ex.getRequestBody().readAllBytes());
            for (ResourceMetrics rm : req.getResourceMetricsList()) {
                for (ScopeMetrics sm : rm.getScopeMetricsList()) {
                    for (Metric m : sm.getMetricsList()) {
                        metrics.put(m.getName(), m.getHistogram().getDataPointsList());
                        units.put(m.getName(), m.getUnit());
                    }
                }
            }
            byte[] answer = ExportMetricsServiceResponse.getDefaultInstance().toByteArray();
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, answer.length);
            ex.getResponseBody().write(answer);
            ex.close();
        });
        server.start();
        return server;
    }

    /** Sends {@code n} requests (every other one streamed), each answered 200; returns their durations. */
    private long[] timed(int n) {
        long[] micros = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(gw.post("sk-tracing-0001", "/v1/chat/completions", chat("demo", "[[mock tokens=2]]",
                    i % 2 == 0)).statusCode()).isEqualTo(200);
            micros[i] = (System.nanoTime() - t0) / 1000;
        }
        return micros;
    }

    private static double pct(List<Long> micros, int p) {
        long[] s = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        return s[Math.min(s.length - 1, (int) Math.ceil(s.length * p / 100.0) - 1)] / 1000.0;
    }

    private static String chat(String model, String directive, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":50," + (stream ? "\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true}," : "") + "\"messages\":[{\"role\":\"user\",\"content\":\"hello "
                + directive + "\"}]}";
    }

    /** The count of the latest exported points of histogram {@code name} whose attributes include {@code match}. */
    private long count(String name, Map<String, String> match) {
        long n = 0;
        for (HistogramDataPoint p : metrics.getOrDefault(name, List.of())) {
            Map<String, Object> a = p.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey,
                    kv -> value(kv.getValue())));
            if (a.entrySet().containsAll(match.entrySet())) {
                n += p.getCount();
            }
        }
        return n;
    }

    private Span requestSpan(String requestId) {
        for (Span s : spans) {
            if (s.getKind() == Span.SpanKind.SPAN_KIND_SERVER && requestId.equals(attributes(s)
                    .get("sluice.request_id"))) {
                return s;
            }
        }
        return null;
    }

    private List<Span> children(Span parent) {
        List<Span> out = new ArrayList<>();
        for (Span s : spans) {
            if (s.getTraceId().equals(parent.getTraceId()) && s.getParentSpanId().equals(parent.getSpanId())) {
                out.add(s);
            }
        }
        return out;
    }

    private static Map<String, Object> attributes(Span s) {
        return s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue())));
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case BOOL_VALUE -> v.getBoolValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(TracingSystemTest::value).toList();
            default -> v.toString();
        };
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
