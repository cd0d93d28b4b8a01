package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.util.BitSet;

/**
 * A client key as the gateway knows it: an id (never the secret), who it belongs to, and which routes it may
 * use. Thread-safe (immutable).
 */
public final class ApiKey {
    private final String id;
    private final byte[] digest;
    private final String user;
    private final String team;
    private final boolean allRoutes;
    private final long[] allowed;

    /**
     * @param digest SHA-256 of the secret
     * @param allowedRoutes indices of the routes this key may use; ignored when {@code allRoutes}
     */
    public ApiKey(String id, byte[] digest, String user, String team, boolean allRoutes, BitSet allowedRoutes) {
        this.id = requireNonNull(id, "id");
        this.digest = requireNonNull(digest, "digest").clone();
        if (digest.length != KeyDigester.DIGEST_BYTES) {
            throw new IllegalArgumentException("digest: " + digest.length + " bytes (expected: 32)");
        }
        this.user = user;
        this.team = team;
        this.allRoutes = allRoutes;
        this.allowed = requireNonNull(allowedRoutes, "allowedRoutes").toLongArray();
    }

    public String id() {
        return id;
    }

    byte[] digest() {
        return digest;
    }

    /** Returns the user this key belongs to, or {@code null}. */
    public String user() {
        return user;
    }

    /** Returns the team this key is charged to, or {@code null}. */
    public String team() {
        return team;
    }

    /** Returns whether this key may call the given route. Allocation-free. */
    public boolean allows(Route route) {
        if (allRoutes) {
            return true;
        }
        int word = route.index() >>> 6;
        return word < allowed.length && (allowed[word] & (1L << route.index())) != 0;
    }

    @Override
    public String toString() {
        return "ApiKey{" + id + ", team=" + team + ", user=" + user + '}';
    }
}
