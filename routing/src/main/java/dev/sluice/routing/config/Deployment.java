package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

import dev.sluice.codec.JsonText;

/**
 * One place a model alias can be served from: a provider, the model name it knows, its price, its weight and
 * priority within the alias, and a reference to its live {@link DeploymentHealth}. Thread-safe (immutable; the
 * health it points to is itself thread-safe).
 */
public final class Deployment {
    /** The most deployments one alias may have: exclusion masks are one {@code long}. */
    public static final int MAX_PER_ROUTE = 64;

    private final int index;
    private final String name;
    private final byte[] nameBytes;
    private final ProviderConfig provider;
    private final String upstreamModel;
    private final byte[] upstreamModelJson;
    private final Price price;
    private final int weight;
    private final int priority;
    private final DeploymentHealth health;

    /**
     * @param index position within its route, 0 to {@value #MAX_PER_ROUTE} - 1
     * @param price the price, or {@code null} when none is configured
     * @param weight share of traffic under {@link Strategy#WEIGHTED} (and among equal priorities), >= 0
     * @param priority lower goes first under {@link Strategy#PRIORITY}
     */
    public Deployment(int index, ProviderConfig provider, String upstreamModel, Price price, int weight, int priority,
                      DeploymentHealth health) {
        if (index < 0 || index >= MAX_PER_ROUTE) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0-" + (MAX_PER_ROUTE - 1) + ")");
        }
        if (weight < 0) {
            throw new IllegalArgumentException("weight: " + weight + " (expected: >= 0)");
        }
        this.index = index;
        this.provider = requireNonNull(provider, "provider");
        this.upstreamModel = requireNonNull(upstreamModel, "upstreamModel");
        this.name = provider.name() + '/' + upstreamModel;
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        this.upstreamModelJson = JsonText.escape(upstreamModel).getBytes(StandardCharsets.UTF_8);
        this.price = price;
        this.weight = weight;
        this.priority = priority;
        this.health = requireNonNull(health, "health");
    }

    /** Returns the position of this deployment within its route (its bit in an exclusion mask). */
    public int index() {
        return index;
    }

    /** Returns {@code <provider>/<model>}, as written to the journal. */
    public String name() {
        return name;
    }

    /** Returns the UTF-8 bytes of {@link #name()}. The array is shared: do not modify it. */
    public byte[] nameBytes() {
        return nameBytes;
    }

    public ProviderConfig provider() {
        return provider;
    }

    public String upstreamModel() {
        return upstreamModel;
    }

    /** Returns the upstream model name as JSON string content (escaped, no quotes). Shared: do not modify. */
    public byte[] upstreamModelJson() {
        return upstreamModelJson;
    }

    /** Returns the price, or {@code null} when none is configured. */
    public Price price() {
        return price;
    }

    public int weight() {
        return weight;
    }

    public int priority() {
        return priority;
    }

    public DeploymentHealth health() {
        return health;
    }

    /** Returns whether {@code other} is the same provider and upstream model (the key health is kept under). */
    boolean sameTarget(Deployment other) {
        return provider.name().equals(other.provider.name()) && upstreamModel.equals(other.upstreamModel);
    }

    Deployment withProvider(ProviderConfig p) {
        return new Deployment(index, p, upstreamModel, price, weight, priority, health);
    }

    Deployment withHealth(DeploymentHealth h) {
        return new Deployment(index, provider, upstreamModel, price, weight, priority, h);
    }

    @Override
    public String toString() {
        return "Deployment{" + name + ", weight=" + weight + ", priority=" + priority + '}';
    }
}
