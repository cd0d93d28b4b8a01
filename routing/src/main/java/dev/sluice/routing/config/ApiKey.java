package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

import java.util.BitSet;
import java.util.List;
import java.util.Set;

/**
 * A client key as the gateway knows it: an id (never the secret), who it belongs to, which routes and endpoints it
 * may use (intersected with its team's), when it expires, whether it is disabled, the attribution tags it requires
 * or supplies, and its own limits and budget. Thread-safe (immutable).
 */
public final class ApiKey {
    /** {@link #status}: the key may be used. */
    public static final int ACTIVE = 0;
    /** {@link #status}: the key is past its expiry (answered like an unknown key: 401). */
    public static final int EXPIRED = 1;
    /** {@link #status}: the key is disabled (403). */
    public static final int DISABLED = 2;
    /** {@link #status}: the key's team is disabled (403). */
    public static final int TEAM_DISABLED = 3;

    private final String id;
    private final byte[] digest;
    private final String user;
    private final String teamName;
    private final Team team;
    private final boolean allRoutes;
    private final long[] allowed;
    private final int endpointMask;
    private final long expiresAtMs;
    private final boolean disabled;
    private final boolean requireProject;
    private final boolean requireUseCase;
    private final String defaultProject;
    private final String defaultUseCase;
    private final Limits limits;
    private final Budget budget;
    private final boolean runtime;
    private final Scope scope;
    /** The agents this key may call, or null: those of its team. */
    private final Set<String> agents;

    /**
     * A key without a team object, endpoint restrictions, expiry, tags, limits or budget.
     *
     * @param digest SHA-256 of the secret
     * @param allowedRoutes indices of the routes this key may use; ignored when {@code allRoutes}
     */
    public ApiKey(String id, byte[] digest, String user, String team, boolean allRoutes, BitSet allowedRoutes) {
        this(builder(id, digest).user(user).team(team, null).models(allRoutes, allowedRoutes));
    }

    private ApiKey(Builder b) {
        this.id = requireNonNull(b.id, "id");
        requireNonNull(b.digest, "digest");
        if (b.digest.length != KeyDigester.DIGEST_BYTES) {
            throw new IllegalArgumentException("digest: " + b.digest.length + " bytes (expected: 32)");
        }
        this.digest = b.digest.clone();
        this.user = b.user;
        this.team = b.team;
        this.teamName = b.teamName != null ? b.teamName : b.team == null ? null : b.team.name();
        this.allRoutes = b.allRoutes;
        this.allowed = requireNonNull(b.allowedRoutes, "allowedRoutes").toLongArray();
        this.endpointMask = b.endpointMask;
        this.expiresAtMs = b.expiresAtMs;
        this.disabled = b.disabled;
        this.requireProject = b.requireProject;
        this.requireUseCase = b.requireUseCase;
        this.defaultProject = b.defaultProject;
        this.defaultUseCase = b.defaultUseCase;
        this.limits = requireNonNull(b.limits, "limits");
        this.budget = b.budget;
        this.runtime = b.runtime;
        this.agents = b.agents == null ? null : Set.copyOf(b.agents);
        this.scope = limits.isNone() && budget == null ? null : new Scope("key", id, limits, budget);
    }

    /** Starts a key with every route and endpoint allowed, no expiry and nothing else set. */
    public static Builder builder(String id, byte[] digest) {
        return new Builder(id, digest);
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

    /** Returns the name of the team this key is charged to, or {@code null}. */
    public String team() {
        return teamName;
    }

    /** Returns the team of {@code teams:} this key belongs to, or {@code null} (no team, or no {@code teams:}). */
    public Team teamConfig() {
        return team;
    }

    /** Returns whether this key and its team may call the given route. Allocation-free. */
    /**
     * Returns whether this key may call agent {@code name}: the key's {@code agents:} and its team's, each where
     * declared, name it (at least one must be declared: without either, a key calls no agent), and the agent's
     * {@code teams:} (when it has any) holds the key's team. As with models, a key gets what both allow.
     */
    public boolean allowsAgent(String name, List<String> agentTeams) {
        Set<String> teamAgents = team == null ? null : team.agents();
        if (agents == null && teamAgents == null) {
            return false;
        }
        return (agents == null || agents.contains(name)) && (teamAgents == null || teamAgents.contains(name))
                && (agentTeams.isEmpty() || agentTeams.contains(teamName));
    }

    public boolean allows(Route route) {
        return (allRoutes || Endpoints.bit(allowed, route.index())) && (team == null || team.allows(route));
    }

    /** Returns whether this key and its team may call the given endpoint. Allocation-free. */
    public boolean allowsEndpoint(Endpoint endpoint) {
        int bit = Endpoints.bit(endpoint);
        return (endpointMask & bit) != 0 && (team == null || (team.endpointMask() & bit) != 0);
    }

    /**
     * Returns {@link #ACTIVE}, {@link #EXPIRED} (at or after {@link #expiresAtMs()}), {@link #DISABLED} or
     * {@link #TEAM_DISABLED}, checked in that order. Allocation-free.
     */
    public int status(long nowMs) {
        if (nowMs >= expiresAtMs) {
            return EXPIRED;
        }
        if (disabled) {
            return DISABLED;
        }
        if (team != null && team.disabled()) {
            return TEAM_DISABLED;
        }
        return ACTIVE;
    }

    /** Returns the epoch milliseconds from which the key is refused, {@link Long#MAX_VALUE} for never. */
    public long expiresAtMs() {
        return expiresAtMs;
    }

    public boolean disabled() {
        return disabled;
    }

    /** Returns the key's own endpoint mask ({@link Endpoints#ALL} for all), before the team's is applied. */
    public int endpointMask() {
        return endpointMask;
    }

    /** Returns whether every request must carry a project tag (header or default). */
    public boolean requireProject() {
        return requireProject;
    }

    /** Returns whether every request must carry a use-case tag (header or default). */
    public boolean requireUseCase() {
        return requireUseCase;
    }

    /** Returns the project tag of requests that send none, or {@code null}. */
    public String defaultProject() {
        return defaultProject;
    }

    /** Returns the use-case tag of requests that send none, or {@code null}. */
    public String defaultUseCase() {
        return defaultUseCase;
    }

    public Limits limits() {
        return limits;
    }

    /** Returns the key's own budget, or {@code null}. */
    public Budget budget() {
        return budget;
    }

    /** Returns the key's admission scope, or {@code null} when it has neither limits nor a budget. */
    public Scope scope() {
        return scope;
    }

    /** Returns whether the key was created at run time (a {@code StoredKey}) rather than in the configuration. */
    public boolean runtime() {
        return runtime;
    }

    @Override
    public String toString() {
        return "ApiKey{" + id + ", team=" + teamName + ", user=" + user + '}';
    }

    /** Builds an {@link ApiKey}. Confined to the building thread. */
    public static final class Builder {
        private final String id;
        private final byte[] digest;
        private String user;
        private String teamName;
        private Team team;
        private boolean allRoutes = true;
        private BitSet allowedRoutes = new BitSet();
        private int endpointMask = Endpoints.ALL;
        private long expiresAtMs = Long.MAX_VALUE;
        private boolean disabled;
        private boolean requireProject;
        private boolean requireUseCase;
        private String defaultProject;
        private String defaultUseCase;
        private Limits limits = Limits.NONE;
        private Budget budget;
        private boolean runtime;
        private Set<String> agents;

        private Builder(String id, byte[] digest) {
            this.id = id;
            this.digest = digest;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** @param name the team name (free text without {@code teams:}); {@code team} its object, or null */
        public Builder team(String name, Team team) {
            this.teamName = name;
            this.team = team;
            return this;
        }

        /** @param allowed indices of the routes this key may use; ignored when {@code all} */
        public Builder models(boolean all, BitSet allowed) {
            this.allRoutes = all;
            this.allowedRoutes = requireNonNull(allowed, "allowed");
            return this;
        }

        public Builder endpoints(int mask) {
            this.endpointMask = mask;
            return this;
        }

        public Builder expiresAtMs(long millis) {
            this.expiresAtMs = millis;
            return this;
        }

        public Builder disabled(boolean disabled) {
            this.disabled = disabled;
            return this;
        }

        public Builder requireTags(boolean project, boolean useCase) {
            this.requireProject = project;
            this.requireUseCase = useCase;
            return this;
        }

        public Builder defaultTags(String project, String useCase) {
            this.defaultProject = project;
            this.defaultUseCase = useCase;
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = requireNonNull(limits, "limits");
            return this;
        }

        public Builder budget(Budget budget) {
            this.budget = budget;
            return this;
        }

        public Builder runtime(boolean runtime) {
            this.runtime = runtime;
            return this;
        }

        /** @param agents the agents the key may call, or null: those of its team */
        public Builder agents(Set<String> agents) {
            this.agents = agents;
            return this;
        }

        public ApiKey build() {
            return new ApiKey(this);
        }
    }
}
