package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

import java.security.MessageDigest;
import java.util.BitSet;
import java.util.Set;

/**
 * A team from {@code teams:}: whether it is disabled, which model aliases and endpoints its keys may use (a key's
 * own sets are intersected with these), its rate limits and budget, and the digest of its team admin token.
 * Thread-safe (immutable).
 */
public final class Team {
    private final String name;
    private final boolean disabled;
    private final boolean allRoutes;
    private final long[] allowed;
    private final int endpointMask;
    private final Limits limits;
    private final Budget budget;
    private final byte[] adminTokenDigest;
    private final Scope scope;
    private final Set<String> agents;

    /**
     * @param allowedRoutes indices of the routes the team's keys may use; ignored when {@code allRoutes}
     * @param endpointMask bit {@code 1 << Endpoint.id()} per allowed endpoint; {@link Endpoints#ALL} for all
     * @param budget the team's budget, or {@code null}
     * @param adminTokenDigest SHA-256 of the team admin token, or {@code null} for none
     */
    public Team(String name, boolean disabled, boolean allRoutes, BitSet allowedRoutes, int endpointMask,
                Limits limits, Budget budget, byte[] adminTokenDigest) {
        this(name, disabled, allRoutes, allowedRoutes, endpointMask, limits, budget, adminTokenDigest, null);
    }

    /**
     * As above; {@code agents}: the agents the team's keys may call (a key's own {@code agents:} narrows it), or
     * null when the team says nothing of agents.
     */
    public Team(String name, boolean disabled, boolean allRoutes, BitSet allowedRoutes, int endpointMask,
                Limits limits, Budget budget, byte[] adminTokenDigest, Set<String> agents) {
        this.agents = agents == null ? null : Set.copyOf(agents);
        this.name = requireNonNull(name, "name");
        this.disabled = disabled;
        this.allRoutes = allRoutes;
        this.allowed = requireNonNull(allowedRoutes, "allowedRoutes").toLongArray();
        this.endpointMask = endpointMask;
        this.limits = requireNonNull(limits, "limits");
        this.budget = budget;
        if (adminTokenDigest != null && adminTokenDigest.length != KeyDigester.DIGEST_BYTES) {
            throw new IllegalArgumentException("adminTokenDigest: " + adminTokenDigest.length
                    + " bytes (expected: 32)");
        }
        this.adminTokenDigest = adminTokenDigest == null ? null : adminTokenDigest.clone();
        this.scope = limits.isNone() && budget == null ? null : new Scope("team", name, limits, budget);
    }

    /** A team that allows nothing: what a stored key naming an unknown team is charged to. */
    static Team unknown(String name) {
        return new Team(name, false, false, new BitSet(), 0, Limits.NONE, null, null);
    }

    public String name() {
        return name;
    }

    public boolean disabled() {
        return disabled;
    }

    /** Returns whether the team's keys may call the given route at all. Allocation-free. */
    public boolean allows(Route route) {
        return allRoutes || Endpoints.bit(allowed, route.index());
    }

    /** The agents the team's keys may call, or null when the team says nothing of agents. */
    public Set<String> agents() {
        return agents;
    }

    /** Returns whether the team's keys may call the given endpoint at all. Allocation-free. */
    public boolean allowsEndpoint(Endpoint endpoint) {
        return (endpointMask & Endpoints.bit(endpoint)) != 0;
    }

    public int endpointMask() {
        return endpointMask;
    }

    public Limits limits() {
        return limits;
    }

    /** Returns the team's budget, or {@code null}. */
    public Budget budget() {
        return budget;
    }

    /** Returns the admission scope of this team, or {@code null} when it has neither limits nor a budget. */
    public Scope scope() {
        return scope;
    }

    /** Returns whether a team admin token is configured. */
    public boolean hasAdminToken() {
        return adminTokenDigest != null;
    }

    /** Compares {@code digest} with the team admin token's digest in constant time. */
    boolean adminTokenMatches(byte[] digest) {
        return adminTokenDigest != null && MessageDigest.isEqual(adminTokenDigest, digest);
    }

    @Override
    public String toString() {
        return "Team{" + name + (disabled ? ", disabled" : "") + ", limits=" + limits + ", budget=" + budget + '}';
    }
}
