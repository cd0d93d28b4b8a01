package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.codec.FinishReason;
import dev.sluice.journal.Outcome;
import dev.sluice.routing.config.Deployment;
import dev.sluice.routing.config.TelemetrySettings;

import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Every request as an OpenTelemetry trace: a server span for the request, continuing the client's W3C
 * {@code traceparent}, and a client span per upstream attempt, whose context goes upstream in the attempt's own
 * {@code traceparent}. Attributes follow the GenAI semantic conventions (operation, provider, request and
 * response model, tokens, finish reasons, error type). Spans are made with the OpenTelemetry SDK on the event loop
 * that serves the request and handed to a {@link SpanQueue}, which exports them in batches over OTLP/HTTP on a
 * thread of its own: a slow or absent collector costs a request nothing, and what does not fit is dropped and
 * counted. Off (no instance) unless {@code telemetry.otlp.endpoint} is set. Thread-safe.
 */
public final class Tracing implements AutoCloseable {
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("sluice.request_id");
    static final AttributeKey<String> KEY_ID = AttributeKey.stringKey("sluice.key_id");
    static final AttributeKey<String> TEAM = AttributeKey.stringKey("sluice.team");
    static final AttributeKey<String> AGENT = AttributeKey.stringKey("sluice.agent");
    static final AttributeKey<String> DEPLOYMENT = AttributeKey.stringKey("sluice.deployment");
    static final AttributeKey<String> ATTEMPT_OUTCOME = AttributeKey.stringKey("sluice.attempt.outcome");
    static final AttributeKey<Long> COST_MICROS = AttributeKey.longKey("sluice.cost_micros");

    private static final TextMapGetter<HttpHeaders> FROM_HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.names();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };
    private static final TextMapSetter<HttpHeaders> TO_HEADERS = (carrier, key, value) -> carrier.set(key, value);

    /**
     * The exporter's own log (java.util.logging), quiet: a failed export is the queue's warning, once a minute,
     * and a count; the exporter would log each with a stack trace. Held here, as the logging keeps loggers weakly.
     */
    private static final Logger EXPORTER_LOG = quiet("io.opentelemetry.exporter");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final SpanQueue queue;

    private Tracing(SdkTracerProvider provider, SpanQueue queue) {
        this.provider = provider;
        this.queue = queue;
        this.tracer = provider.get("dev.sluice.proxy");
    }

    /** Starts the export thread for {@code settings} (nothing is sent before the first span). */
    public static Tracing start(TelemetrySettings settings, Clock clock) {
        SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(settings.tracesUrl())
                .setTimeout(Duration.ofMillis(settings.timeoutMs()))
                .setConnectTimeout(Duration.ofMillis(Math.min(settings.timeoutMs(), 5_000)))
                .setMeterProvider(MeterProvider::noop)
                .build();
        return start(settings, exporter, clock);
    }

    /** As above, exporting to {@code exporter}. */
    static Tracing start(TelemetrySettings settings, SpanExporter exporter, Clock clock) {
        SpanQueue queue = new SpanQueue(exporter, settings.queueSize(), settings.timeoutMs(), clock);
        SdkTracerProvider provider = SdkTracerProvider.builder().setResource(resource(settings))
                .addSpanProcessor(queue).build();
        return new Tracing(provider, queue);
    }

    /** The gateway as an OpenTelemetry resource: the SDK's defaults and {@code service.name}. */
    static Resource resource(TelemetrySettings settings) {
        return Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"),
                settings.serviceName())));
    }

    /**
     * The span of a request that started at {@code startWallMicros}, the child of the client's {@code traceparent}
     * when it sent a valid one.
     */
    Span startRequest(HttpHeaders clientHeaders, long startWallMicros) {
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), clientHeaders, FROM_HEADERS);
        return tracer.spanBuilder("request").setParent(parent).setSpanKind(SpanKind.SERVER)
                .setStartTimestamp(startWallMicros, TimeUnit.MICROSECONDS).startSpan();
    }

    /** The span of one upstream attempt on {@code d}, a child of the request's. */
    Span startAttempt(Span request, Deployment d, String operation, long startWallNs) {
        return tracer.spanBuilder(operation + ' ' + d.upstreamModel()).setParent(Context.root().with(request))
                .setSpanKind(SpanKind.CLIENT).setStartTimestamp(startWallNs, TimeUnit.NANOSECONDS)
                .setAttribute(OPERATION, operation)
                .setAttribute(PROVIDER, d.provider().kind().configName())
                .setAttribute(REQUEST_MODEL, d.upstreamModel())
                .setAttribute(DEPLOYMENT, d.name())
                .setAttribute(SERVER_ADDRESS, d.provider().host())
                .setAttribute(SERVER_PORT, (long) d.provider().port())
                .startSpan();
    }

    /** Writes the attempt's context as the upstream request's {@code traceparent} (and {@code tracestate}). */
    static void inject(Span attempt, HttpHeaders upstream) {
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(attempt), upstream, TO_HEADERS);
    }

    /** Ends an attempt's span at {@code endWallNs}: its outcome, and its status when it had one. */
    static void endAttempt(Span span, String outcome, boolean ok, int status, String responseModel,
                           long endWallNs) {
        span.setAttribute(ATTEMPT_OUTCOME, outcome);
        if (status > 0) {
            span.setAttribute(STATUS, (long) status);
        }
        if (responseModel != null) {
            span.setAttribute(RESPONSE_MODEL, responseModel);
        }
        if (!ok) {
            span.setAttribute(ERROR_TYPE, status >= 400 ? Integer.toString(status) : outcome);
            span.setStatus(StatusCode.ERROR);
        }
        span.end(endWallNs, TimeUnit.NANOSECONDS);
    }

    /** What the request span says when it ends. */
    static void endRequest(Span span, RequestInfo info, String operation, String alias, Deployment served,
                           int status, Outcome outcome, long tokensIn, long tokensOut, long costMicros,
                           FinishReason finish, long endWallNs) {
        span.updateName(alias == null ? operation : operation + ' ' + alias);
        span.setAttribute(OPERATION, operation);
        span.setAttribute(REQUEST_ID, info.requestIdText.toString());
        if (alias != null) {
            span.setAttribute(REQUEST_MODEL, alias);
        }
        if (served != null) {
            span.setAttribute(PROVIDER, served.provider().kind().configName());
            span.setAttribute(RESPONSE_MODEL, served.upstreamModel());
            span.setAttribute(DEPLOYMENT, served.name());
        }
        if (info.key != null) {
            span.setAttribute(KEY_ID, info.key.id());
            if (info.key.team() != null) {
                span.setAttribute(TEAM, info.key.team());
            }
        }
        if (info.agent != null) {
            span.setAttribute(AGENT, info.agent);
        }
        if (tokensIn >= 0) {
            span.setAttribute(INPUT_TOKENS, tokensIn);
        }
        if (tokensOut >= 0) {
            span.setAttribute(OUTPUT_TOKENS, tokensOut);
        }
        if (costMicros >= 0) {
            span.setAttribute(COST_MICROS, costMicros);
        }
        if (finish != null && finish != FinishReason.NONE) {
            span.setAttribute(FINISH_REASONS, List.of(finish.name().toLowerCase(Locale.ROOT)));
        }
        if (status > 0) {
            span.setAttribute(STATUS, (long) status);
        }
        if (outcome != Outcome.OK) {
            span.setAttribute(ERROR_TYPE, outcome.wireName());
            span.setStatus(StatusCode.ERROR);
        }
        span.end(endWallNs, TimeUnit.NANOSECONDS);
    }

    private static Logger quiet(String name) {
        Logger l = Logger.getLogger(name);
        l.setLevel(Level.OFF);
        return l;
    }

    /** Spans dropped because the export queue was full. */
    public long dropped() {
        return queue.dropped();
    }

    /** Spans the collector took. */
    public long exported() {
        return queue.exported();
    }

    /** Spans in batches the collector refused or did not answer in time. */
    public long failed() {
        return queue.failed();
    }

    /** Exports what is queued (within the export timeout) and stops. */
    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
    }
}
