package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;

/**
 * A model alias clients name in {@code "model"}, served by one provider deployment. Thread-safe (immutable).
 */
public final class Route {
    private final int index;
    private final String name;
    private final byte[] nameBytes;
    private final ProviderConfig provider;
    private final String upstreamModel;
    private final byte[] upstreamModelJson;
    private final Price price;

    /**
     * @param index dense position of this route in its table, used for access bitsets
     * @param price the price, or {@code null} when none is configured (costs are then reported as unknown)
     */
    public Route(int index, String name, ProviderConfig provider, String upstreamModel, Price price) {
        this.index = index;
        this.name = requireNonNull(name, "name");
        this.nameBytes = name.getBytes(StandardCharsets.UTF_8);
        this.provider = requireNonNull(provider, "provider");
        this.upstreamModel = requireNonNull(upstreamModel, "upstreamModel");
        this.upstreamModelJson = JsonText.escape(upstreamModel).getBytes(StandardCharsets.UTF_8);
        this.price = price;
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

    /** Returns a copy that points at another provider object (same name), used when the mock port is bound. */
    Route withProvider(ProviderConfig p) {
        return new Route(index, name, p, upstreamModel, price);
    }

    @Override
    public String toString() {
        return "Route{" + name + " -> " + provider.name() + '/' + upstreamModel + '}';
    }
}
