package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.agents.AgentCatalog;
import dev.sluice.routing.agents.AgentVersion;

import java.util.List;
import java.util.Map;

/**
 * The governance part of a snapshot as read from the configuration: settings, teams, projects, per-alias limits,
 * admin token and agent owners' tokens, Redis, prices, the journal's capture policy, telemetry. Thread-safe (immutable).
 */
final class Governance {
    static final Governance NONE = new Governance(GovernanceSettings.DEFAULTS, false, Map.of(), Map.of(), Map.of(),
            null, Map.of(), null, PriceTable.EMPTY, List.of(), JournalPolicy.DEFAULTS, Map.of(), AgentCatalog.EMPTY,
            List.of(), Map.of(), null);

    final GovernanceSettings settings;
    /** Whether {@code teams:} is present: then a key's team must name one of them. */
    final boolean teamsDeclared;
    final Map<String, Team> teams;
    final Map<String, Project> projects;
    final Map<String, Limits> modelLimits;
    final byte[] adminTokenDigest;
    /** The SHA-256 of each agent owner's own admin token ({@code admin.owners}), by owner. */
    final Map<String, byte[]> ownerTokenDigests;
    final RedisSettings redis;
    final PriceTable pricing;
    final List<String> unpriced;
    final JournalPolicy journal;
    /** The version each agent's files in {@code conf/agents/} make, by name. */
    final Map<String, AgentVersion> agentFiles;
    /** What the gateway serves of them: with the version store and the labels ({@link AgentStore#sync}). */
    final AgentCatalog agents;
    /** Grants of keys and teams that name no agent under {@code conf/agents/}: they allow nothing. */
    final List<String> agentWarnings;
    /** The aliases' shadow declarations, by source alias. */
    final Map<String, Shadow> shadows;
    /** Where traces and metrics go over OTLP, {@code null} for nowhere. */
    final TelemetrySettings telemetry;

    Governance(GovernanceSettings settings, boolean teamsDeclared, Map<String, Team> teams,
               Map<String, Project> projects, Map<String, Limits> modelLimits, byte[] adminTokenDigest,
               Map<String, byte[]> ownerTokenDigests, RedisSettings redis, PriceTable pricing, List<String> unpriced, JournalPolicy journal,
               Map<String, AgentVersion> agentFiles, AgentCatalog agents, List<String> agentWarnings,
               Map<String, Shadow> shadows, TelemetrySettings telemetry) {
        this.settings = requireNonNull(settings, "settings");
        this.teamsDeclared = teamsDeclared;
        this.teams = Map.copyOf(teams);
        this.projects = Map.copyOf(projects);
        this.modelLimits = Map.copyOf(modelLimits);
        this.adminTokenDigest = adminTokenDigest == null ? null : adminTokenDigest.clone();
        this.ownerTokenDigests = Map.copyOf(ownerTokenDigests);
        this.redis = redis;
        this.pricing = requireNonNull(pricing, "pricing");
        this.unpriced = List.copyOf(unpriced);
        this.journal = requireNonNull(journal, "journal");
        this.agentFiles = Map.copyOf(agentFiles);
        this.agents = requireNonNull(agents, "agents");
        this.agentWarnings = List.copyOf(agentWarnings);
        this.shadows = Map.copyOf(shadows);
        this.telemetry = telemetry;
    }

    /** A copy serving {@code catalog}. */
    Governance withAgents(AgentCatalog catalog) {
        return new Governance(settings, teamsDeclared, teams, projects, modelLimits, adminTokenDigest,
                ownerTokenDigests, redis, pricing, unpriced, journal, agentFiles, catalog, agentWarnings, shadows,
                telemetry);
    }
}
