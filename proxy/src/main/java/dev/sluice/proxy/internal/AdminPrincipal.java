package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

/**
 * Who an admin API request acts for, after its token was checked: the gateway admin, the admin of one team (who
 * sees and changes only that team's keys), or an agent owner with a token of their own (who moves the labels of
 * the agents they own, as themself, and nothing else). Thread-safe (immutable).
 *
 * @param team  the team a team admin token belongs to, or {@code null}
 * @param owner the agent owner an owner token ({@code admin.owners}) belongs to, or {@code null}
 */
public record AdminPrincipal(String team, String owner) {
    /** The gateway admin (the {@code admin.token} of the configuration). */
    public static final AdminPrincipal ADMIN = new AdminPrincipal(null, null);

    /** The admin of team {@code team}. */
    public static AdminPrincipal teamAdmin(String team) {
        return new AdminPrincipal(requireNonNull(team, "team"), null);
    }

    /** Agent owner {@code owner}, proven by their own token. */
    public static AdminPrincipal owner(String owner) {
        return new AdminPrincipal(null, requireNonNull(owner, "owner"));
    }

    /** Returns whether this is the gateway admin. */
    public boolean isAdmin() {
        return team == null && owner == null;
    }

    /** Returns whether this is an agent owner's own token. */
    public boolean isOwner() {
        return owner != null;
    }

    /** Returns whether this principal may see and change keys of {@code keyTeam}. */
    public boolean owns(String keyTeam) {
        return isAdmin() || team != null && team.equals(keyTeam);
    }

    /** Returns the actor name used in audit records: {@code admin}, {@code team:<name>} or {@code owner:<name>}. */
    public String actor() {
        return owner != null ? "owner:" + owner : team == null ? "admin" : "team:" + team;
    }
}
