package dev.sluice.proxy.internal;

import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.LocalAdmission;
import dev.sluice.journal.RequestIds;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.ProviderConfig;

import java.net.InetSocketAddress;
import java.util.Map;

/**
 * What every connection of one gateway shares: the current configuration snapshot (one volatile reference) and
 * the counters. Thread-safe.
 */
public final class GatewayContext {
    private volatile GatewayConfig config;
    private volatile Map<String, InetSocketAddress> addresses = Map.of();
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final RequestIds requestIds = new RequestIds();
    private volatile ConfigReloads reloads;
    private volatile Admission admission = new LocalAdmission();
    private volatile boolean admissionForEveryRequest;

    public GatewayContext(GatewayConfig config, Map<String, InetSocketAddress> addresses) {
        this.config = config;
        this.addresses = Map.copyOf(addresses);
    }

    /** Returns the snapshot a new request starts with. */
    public GatewayConfig config() {
        return config;
    }

    /** Swaps in a new validated snapshot; requests in flight keep the one they started with. */
    public void config(GatewayConfig next, Map<String, InetSocketAddress> nextAddresses) {
        this.addresses = Map.copyOf(nextAddresses);
        this.config = next;
    }

    /**
     * Returns the provider's socket address, resolved off the event loops when the snapshot was loaded (an event
     * loop never waits for DNS), or {@code null} when it could not be resolved.
     */
    public InetSocketAddress address(ProviderConfig p) {
        return addresses.get(p.origin());
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
