package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.LocalAdmission;
import dev.sluice.journal.RequestIds;
import dev.sluice.routing.config.GatewayConfig;


/**
 * What every connection of one gateway shares: the current configuration snapshot (one volatile reference) and
 * the counters. Thread-safe.
 */
public final class GatewayContext {
    private volatile GatewayConfig config;
    private final Clock clock;
    private final LoadControl load = new LoadControl();
    private final GatewayMetrics metrics = new GatewayMetrics(load);
    private final RequestIds requestIds = new RequestIds();
    private volatile ConfigReloads reloads;
    private volatile ConfigAgent agent;
    private volatile Admission admission = new LocalAdmission();
    private volatile boolean admissionForEveryRequest;
    private volatile boolean draining;
    private volatile FeedbackIntake feedback;
    private volatile OffLoopExecutor telemetry;
    private volatile Tracing tracing;
    private volatile OtlpMetrics otlpMetrics;
    private final Shadows shadows = new Shadows(metrics);
    private final ConsoleSessions consoleSessions = new ConsoleSessions();

    /** @param config the first snapshot, its provider addresses resolved ({@link GatewayConfig#withAddresses}) */
    public GatewayContext(GatewayConfig config) {
        this(config, Clock.SYSTEM);
    }

    /** As above, with the clock the gateway reads the time from (a test moves a {@link dev.sluice.codec.ManualClock}). */
    public GatewayContext(GatewayConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    /** The gateway's one source of time. */
    public Clock clock() {
        return clock;
    }

    /** Returns the snapshot a new request starts with. */
    public GatewayConfig config() {
        return config;
    }

    /**
     * Swaps in a new validated snapshot, its provider addresses resolved off the event loops (an event loop never
     * waits for DNS); requests in flight keep the one they started with, addresses included. Only the
     * configuration's {@link ConfigAgent} publishes, on its own thread.
     *
     * @throws IllegalStateException when called from any other thread
     */
    public void config(GatewayConfig next) {
        ConfigAgent a = agent;
        if (a == null || !a.inAgentThread()) {
            throw new IllegalStateException("a configuration snapshot is published by the configuration agent only"
                    + " (thread " + ConfigAgent.THREAD_NAME + "), not by " + Thread.currentThread().getName());
        }
        this.config = next;
    }

    /** The one owner of the running configuration; {@code null} before the gateway started it. */
    public ConfigAgent agent() {
        return agent;
    }

    /** Sets the configuration's owner, at start. */
    public void agent(ConfigAgent a) {
        this.agent = a;
    }

    /** Returns the source of request ids (unique across restarts). */
    public RequestIds requestIds() {
        return requestIds;
    }

    /** Returns how the admin API reloads the configuration, or {@code null} when the gateway has no file. */
    public ConfigReloads reloads() {
        return reloads;
    }

    public void reloads(ConfigReloads r) {
        this.reloads = r;
    }

    /** Whether the gateway is shutting down: new requests are refused and connections close after their answer. */
    public boolean draining() {
        return draining;
    }

    /** Starts the drain before a shutdown; never undone. */
    public void startDraining() {
        this.draining = true;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    /** What the client listener holds against its caps (connections, requests in flight, memory). */
    public LoadControl load() {
        return load;
    }

    /** Returns the admission control (rate limits, concurrency, budgets) every request goes through. */
    public Admission admission() {
        return admission;
    }

    /**
     * Whether every request is admitted, governed or not: with shared counters, admission is also where a key
     * revoked on another gateway is refused.
     */
    public boolean admissionForEveryRequest() {
        return admissionForEveryRequest;
    }

    /** Shadow copies: their tickets, and where they are sent. */
    public Shadows shadows() {
        return shadows;
    }

    /**
     * The thread that renders {@code /metrics} and journals budget alerts; {@code null} (a gateway in a test without
     * one) renders on the caller's thread.
     */
    public OffLoopExecutor telemetry() {
        return telemetry;
    }

    /** Set at start, before the admin listener opens. */
    public void telemetry(OffLoopExecutor e) {
        this.telemetry = e;
    }

    /** The web console's signed-in sessions. */
    ConsoleSessions consoleSessions() {
        return consoleSessions;
    }

    /** Where requests' spans go, {@code null} when traces are off (the default). */
    public Tracing tracing() {
        return tracing;
    }

    /** Set at start, before any request. */
    public void tracing(Tracing t) {
        this.tracing = t;
    }

    /** The GenAI metrics' export over OTLP, {@code null} when off (the default). */
    public OtlpMetrics otlpMetrics() {
        return otlpMetrics;
    }

    /** Set at start. */
    public void otlpMetrics(OtlpMetrics m) {
        this.otlpMetrics = m;
    }

    /** Where {@code POST /v1/feedback} is taken; set at start, before any request. */
    public FeedbackIntake feedback() {
        return feedback;
    }

    public void feedback(FeedbackIntake f) {
        this.feedback = f;
    }

    /** Sets the admission control at start, before any request. */
    public void admission(Admission a, boolean forEveryRequest) {
        this.admission = a;
        this.admissionForEveryRequest = forEveryRequest;
    }
}
