package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A model alias clients name in {@code "model"}, served by one or more {@link Deployment}s chosen by a
 * {@link Strategy} under a {@link RoutePolicy}. The configuration part is immutable; the circuit of each deployment
 * lives in its {@link DeploymentHealth}, which this class judges because ejection looks at every deployment of the
 * alias. Thread-safe: {@link #pick} and the {@code on*} reports may be called from any event loop at once.
 */
public final class Route {
    private final int index;
    private final String name;
    private final byte[] nameBytes;
    private final Strategy strategy;
    private final RoutePolicy policy;
    private final List<Deployment> deployments;
    private final Deployment[] table;
    /** Input plus output list price per deployment, {@link Long#MAX_VALUE} when unpriced; for least-cost. */
    private final long[] costKeys;
    /** The highest price of each kind among the deployments, or null when one is unpriced. */
    private final Price maxPrice;
    /** Serialises ejection decisions, so that two deployments failing at once cannot both be ejected last. */
    private final AtomicInteger ejecting = new AtomicInteger();

    /**
     * @param index dense position of this route in its table, used for access bitsets
     * @param deployments 1 to {@value Deployment#MAX_PER_ROUTE}, each at the position its {@code index()} says,
     *        no provider and model twice; under {@link Strategy#WEIGHTED} at least one with a weight above 0.
     *        Their health objects take this policy's probe staleness (they may be shared with an older route).
     */
    public Route(int index, String name, Strategy strategy, RoutePolicy policy, List<Deployment> deployments) {
        this.index = index;
        this.name = requireNonNull(name, "name");
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        this.strategy = requireNonNull(strategy, "strategy");
        this.policy = requireNonNull(policy, "policy");
        this.deployments = List.copyOf(deployments);
        int n = this.deployments.size();
        if (n < 1 || n > Deployment.MAX_PER_ROUTE) {
            throw new IllegalArgumentException("deployments: " + n + " (expected: 1-" + Deployment.MAX_PER_ROUTE + ")");
        }
        this.table = this.deployments.toArray(new Deployment[0]);
        this.costKeys = new long[n];
        long totalWeight = 0;
        long maxIn = 0;
        long maxOut = 0;
        long maxCached = 0;
        long maxWrite = 0;
        boolean priced = true;
        for (int i = 0; i < n; i++) {
            Deployment d = table[i];
            if (d.index() != i) {
                throw new IllegalArgumentException("deployments[" + i + "].index: " + d.index() + " (expected: " + i
                        + ")");
            }
            for (int j = 0; j < i; j++) {
                if (table[j].sameTarget(d)) {
                    throw new IllegalArgumentException("deployments[" + i + "]: " + d.name() + " is listed twice");
                }
            }
            Price p = d.price();
            costKeys[i] = p == null ? Long.MAX_VALUE : p.inputMicrosPerMTok() + p.outputMicrosPerMTok();
            if (p == null) {
                priced = false;
            } else {
                maxIn = Math.max(maxIn, p.inputMicrosPerMTok());
                maxOut = Math.max(maxOut, p.outputMicrosPerMTok());
                maxCached = Math.max(maxCached, p.cachedInputMicrosPerMTok());
                maxWrite = Math.max(maxWrite, p.cacheWriteMicrosPerMTok());
            }
            totalWeight += d.weight();
            d.health().probeStaleNs(policy.circuit().probeStaleNs());
        }
        if (strategy == Strategy.WEIGHTED && totalWeight == 0) {
            throw new IllegalArgumentException("weighted route " + name + " has no deployment with a weight above 0");
        }
        this.maxPrice = priced ? new Price(maxIn, maxOut, maxCached, maxWrite) : null;
    }

    /** A route with a single deployment, the default strategy and the default policy. */
    public Route(int index, String name, ProviderConfig provider, String upstreamModel, Price price) {
        this(index, name, Strategy.PRIORITY, RoutePolicy.DEFAULTS,
                List.of(new Deployment(0, provider, upstreamModel, price, 1, 0, new DeploymentHealth())));
    }

    public int index() {
        return index;
    }

    public String name() {
        return name;
    }

    /** Returns the UTF-8 bytes of the alias. The array is shared: do not modify it. */
    public byte[] nameBytes() {
        return nameBytes;
    }

    public Strategy strategy() {
        return strategy;
    }

    public RoutePolicy policy() {
        return policy;
    }

    /** Returns the deployments in configuration order; element {@code i} has {@code index() == i}. */
    public List<Deployment> deployments() {
        return deployments;
    }

    /** Returns the first deployment in configuration order. */
    public Deployment primary() {
        return table[0];
    }

    /** Returns the provider of {@link #primary()}. */
    public ProviderConfig provider() {
        return table[0].provider();
    }

    /** Returns the upstream model of {@link #primary()}. */
    public String upstreamModel() {
        return table[0].upstreamModel();
    }

    /** Returns {@link Deployment#upstreamModelJson()} of {@link #primary()}. Shared: do not modify. */
    public byte[] upstreamModelJson() {
        return table[0].upstreamModelJson();
    }

    /** Returns the price of {@link #primary()}, or {@code null} when none is configured. */
    public Price price() {
        return table[0].price();
    }

    /**
     * Returns the highest input, output, cached-input and cache-write prices among the deployments (each taken
     * separately), the price at which a worst-case reservation is made whichever deployment serves; {@code null}
     * when some deployment has no price (its cost would be unknown).
     */
    public Price maxPrice() {
        return maxPrice;
    }

    /**
     * Picks a deployment for the next attempt, skipping those whose bit is set in {@code excludedMask} (bit i =
     * {@code deployments().get(i)}), disabled providers, open circuits and cooling-down ones. A half-open one is
     * returned to one caller at a time (the probe); that caller must report the attempt through {@link #onSuccess},
     * {@link #onFailure} or {@link #onNeutral}. Returns {@code null} when none is available. Allocation-free.
     */
    public Deployment pick(long nowNs, long excludedMask) {
        long candidates = 0;
        for (int i = 0; i < table.length; i++) {
            Deployment d = table[i];
            if ((excludedMask & (1L << i)) == 0 && d.provider().enabled() && d.health().available(nowNs)) {
                candidates |= 1L << i;
            }
        }
        while (candidates != 0) {
            int i = choose(candidates);
            if (i < 0) {
                return null;
            }
            Deployment d = table[i];
            if (d.health().tryAcquire(nowNs)) {
                return d;
            }
            // Another caller took the probe slot (or a cool-down began) since the scan.
            candidates &= ~(1L << i);
        }
        return null;
    }

    private int choose(long candidates) {
        switch (strategy) {
            case WEIGHTED:
                return weighted(candidates);
            case LEAST_LATENCY:
                return leastLatency(candidates);
            case LEAST_COST:
                return leastCost(candidates);
            default:
                return priority(candidates);
        }
    }

    private int priority(long candidates) {
        long group = 0;
        int best = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            int p = table[i].priority();
            if (group == 0 || p < best) {
                best = p;
                group = 1L << i;
            } else if (p == best) {
                group |= 1L << i;
            }
        }
        if (Long.bitCount(group) == 1) {
            return Long.numberOfTrailingZeros(group);
        }
        int i = weighted(group);
        // Equal priorities whose weights are all 0 still serve, in configuration order.
        return i >= 0 ? i : Long.numberOfTrailingZeros(group);
    }

    /** Returns a candidate drawn in proportion to its weight, or -1 when every candidate weighs 0. */
    private int weighted(long candidates) {
        long total = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            total += table[Long.numberOfTrailingZeros(m)].weight();
        }
        if (total == 0) {
            return -1;
        }
        long r = ThreadLocalRandom.current().nextLong(total);
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            r -= table[i].weight();
            if (r < 0) {
                return i;
            }
        }
        return -1;
    }

    private int leastLatency(long candidates) {
        int best = -1;
        long bestNs = Long.MAX_VALUE;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            long ewma = table[i].health().ewmaTtftNs();
            if (ewma == 0) {
                return i; // never measured: explore it first
            }
            if (ewma < bestNs) {
                bestNs = ewma;
                best = i;
            }
        }
        return best;
    }

    private int leastCost(long candidates) {
        int best = -1;
        long bestCost = 0;
        for (long m = candidates; m != 0; m &= m - 1) {
            int i = Long.numberOfTrailingZeros(m);
            if (best < 0 || costKeys[i] < bestCost) {
                bestCost = costKeys[i];
                best = i;
            }
        }
        return best;
    }

    /**
     * Reports a successful attempt: closes a half-open circuit, resets the consecutive failure counts and, when
     * {@code ttftNs > 0}, feeds the time-to-first-token average (EWMA, alpha 0.2).
     */
    public void onSuccess(Deployment d, long ttftNs) {
        d.health().recordSuccess(ttftNs);
    }

    /**
     * Counts a failed attempt. When the consecutive count of its kind ({@link FailureKind#CONNECT} apart from
     * {@link FailureKind#UPSTREAM} and {@link FailureKind#TIMEOUT} together) reaches the circuit threshold, or a
     * half-open probe fails, the circuit opens for {@code base_ejection_ms x n} (n = ejections in a row, capped at
     * {@code max_ejection_ms}), unless every other deployment of this route is open already, disabled, or (when
     * weighted) of weight 0: the last one stays in rotation.
     */
    public void onFailure(Deployment d, FailureKind kind, long nowNs) {
        DeploymentHealth h = d.health();
        CircuitSettings circuit = policy.circuit();
        if (!h.recordFailure(kind, circuit)) {
            return;
        }
        if (!ejecting.compareAndSet(0, 1)) {
            // Another deployment of this alias is being judged; the next failure tries again. A probe slot is freed
            // so the deployment is probed again rather than wedged.
            if (!h.closed()) {
                h.releaseProbe();
            }
            return;
        }
        try {
            if (othersOut(d)) {
                if (!h.closed()) {
                    h.releaseProbe();
                }
            } else {
                h.ejectIfDue(nowNs, circuit);
            }
        } finally {
            ejecting.set(0);
        }
    }

    private boolean othersOut(Deployment d) {
        for (Deployment e : table) {
            if (e != d && e.provider().enabled() && !(strategy == Strategy.WEIGHTED && e.weight() == 0)
                    && e.health().closed()) {
                return false;
            }
        }
        return true;
    }

    /** Reports an attempt that ended neither way (client cancelled, a 4xx): frees a probe slot without judging. */
    public void onNeutral(Deployment d) {
        d.health().releaseProbe();
    }

    /**
     * Returns the earliest {@code nanoTime} at which some deployment of an enabled provider is available again
     * (its ejection or cool-down over), for a 503's {@code Retry-After}; {@code nowNs} when one is available now
     * or only waits for a probe in flight, or when every provider is disabled.
     */
    public long nextAvailableNs(long nowNs) {
        long best = 0;
        boolean found = false;
        for (Deployment d : table) {
            if (!d.provider().enabled() || (strategy == Strategy.WEIGHTED && d.weight() == 0)) {
                continue;
            }
            DeploymentHealth h = d.health();
            long t = nowNs;
            long cool = h.coolDownUntilNs();
            if (h.coolingDown(nowNs) && cool - t > 0) {
                t = cool;
            }
            if (h.state(nowNs) == DeploymentHealth.OPEN && h.ejectedUntilNs() - t > 0) {
                t = h.ejectedUntilNs();
            }
            if (!found || t - best < 0) {
                best = t;
                found = true;
            }
        }
        return found ? best : nowNs;
    }

    /** Returns a copy whose deployments use the provider of the same name in {@code providers}. */
    Route withProviders(Map<String, ProviderConfig> providers) {
        Deployment[] out = new Deployment[table.length];
        for (int i = 0; i < table.length; i++) {
            ProviderConfig p = providers.get(table[i].provider().name());
            out[i] = p == null ? table[i] : table[i].withProvider(p);
        }
        return new Route(index, name, strategy, policy, List.of(out));
    }

    /** Returns a copy whose deployments reuse the health of the same provider and model in {@code previous}. */
    Route withHealthFrom(Route previous) {
        Deployment[] out = new Deployment[table.length];
        for (int i = 0; i < table.length; i++) {
            out[i] = table[i];
            for (Deployment old : previous.table) {
                if (old.sameTarget(table[i])) {
                    out[i] = table[i].withHealth(old.health());
                    break;
                }
            }
        }
        return new Route(index, name, strategy, policy, List.of(out));
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Route{").append(name).append(" -> ");
        if (table.length == 1) {
            b.append(table[0].name());
        } else {
            b.append(strategy.configName()).append(' ');
            for (int i = 0; i < table.length; i++) {
                b.append(i == 0 ? "[" : ", ").append(table[i].name());
            }
            b.append(']');
        }
        return b.append('}').toString();
    }
}
