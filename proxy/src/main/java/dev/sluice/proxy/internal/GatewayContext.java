package dev.sluice.proxy.internal;

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
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final RequestIds requestIds = new RequestIds();
    private volatile ConfigReloads reloads;
    private volatile Admission admission = new LocalAdmission();
    private volatile boolean admissionForEveryRequest;

    /** @param config the first snapshot, its provider addresses resolved ({@link GatewayConfig#withAddresses}) */
    public GatewayContext(GatewayConfig config) {
        this.config = config;
    }

    /** Returns the snapshot a new request starts with. */
    public GatewayConfig config() {
        return config;
    }

    /**
     * Swaps in a new validated snapshot, its provider addresses resolved off the event loops (an event loop never
     * waits for DNS); requests in flight keep the one they started with, addresses included.
     */
    public void config(GatewayConfig next) {
        this.config = next;
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

    public GatewayMetrics metrics() {
        return metrics;
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

    /** Sets the admission control at start, before any request. */
    public void admission(Admission a, boolean forEveryRequest) {
        this.admission = a;
        this.admissionForEveryRequest = forEveryRequest;
    }
}
