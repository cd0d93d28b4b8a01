package dev.sluice.routing.config;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Model alias to {@link Route}, looked up straight from the bytes of a request body: open addressing over an
 * FNV-1a hash, no {@code String} and no allocation per lookup. Thread-safe (immutable once built).
 */
public final class RouteTable {
    private final Route[] slots;
    private final int[] hashes;
    private final int mask;
    private final List<Route> routes;

    public RouteTable(List<Route> routes) {
        this.routes = List.copyOf(routes);
        int capacity = Integer.highestOneBit(Math.max(4, routes.size() * 4) - 1) << 1;
        this.slots = new Route[capacity];
        this.hashes = new int[capacity];
        this.mask = capacity - 1;
        for (Route r : routes) {
            byte[] n = r.nameBytes();
            int h = hash(n, 0, n.length);
            int i = h & mask;
            while (slots[i] != null) {
                if (slots[i].name().equals(r.name())) {
                    throw new IllegalArgumentException("duplicate model alias: " + r.name());
                }
                i = (i + 1) & mask;
            }
            slots[i] = r;
            hashes[i] = h;
        }
    }

    /** Returns every route in configuration order, indexed by {@link Route#index()}. */
    public List<Route> routes() {
        return routes;
    }

    public int size() {
        return routes.size();
    }

    /**
     * Returns a table with the same routes whose deployments reuse the {@link DeploymentHealth} of {@code previous}
     * for the same alias, provider name and upstream model, so that circuits, cool-downs and counters survive a
     * reload. Deployments new in this table keep their fresh health.
     */
    public RouteTable withHealthFrom(RouteTable previous) {
        List<Route> out = new ArrayList<>(routes.size());
        for (Route r : routes) {
            Route old = previous.lookup(r.name());
            out.add(old == null ? r : r.withHealthFrom(old));
        }
        return new RouteTable(out);
    }

    /** Returns a table whose deployments point at the provider objects in {@code providers} (same names). */
    RouteTable withProviders(Map<String, ProviderConfig> providers) {
        List<Route> out = new ArrayList<>(routes.size());
        for (Route r : routes) {
            out.add(r.withProviders(providers));
        }
        return new RouteTable(out);
    }

    /** Looks up the alias whose UTF-8 bytes are {@code buf[start, end)}; returns {@code null} when unknown. */
    public Route lookup(ByteBuf buf, int start, int end) {
        int h = FNV_OFFSET;
        for (int i = start; i < end; i++) {
            h = (h ^ (buf.getByte(i) & 0xff)) * FNV_PRIME;
        }
        int len = end - start;
        for (int i = h & mask; ; i = (i + 1) & mask) {
            Route r = slots[i];
            if (r == null) {
                return null;
            }
            if (hashes[i] == h && equals(r.nameBytes(), buf, start, len)) {
                return r;
            }
        }
    }

    /** Looks up an alias by name; returns {@code null} when unknown. */
    public Route lookup(String name) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        int h = hash(b, 0, b.length);
        for (int i = h & mask; ; i = (i + 1) & mask) {
            Route r = slots[i];
            if (r == null) {
                return null;
            }
            if (hashes[i] == h && r.name().equals(name)) {
                return r;
            }
        }
    }

    private static boolean equals(byte[] name, ByteBuf buf, int start, int len) {
        if (name.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (name[i] != buf.getByte(start + i)) {
                return false;
            }
        }
        return true;
    }

    private static final int FNV_OFFSET = 0x811c9dc5;
    private static final int FNV_PRIME = 0x01000193;

    private static int hash(byte[] b, int off, int len) {
        int h = FNV_OFFSET;
        for (int i = off; i < off + len; i++) {
            h = (h ^ (b[i] & 0xff)) * FNV_PRIME;
        }
        return h;
    }
}
