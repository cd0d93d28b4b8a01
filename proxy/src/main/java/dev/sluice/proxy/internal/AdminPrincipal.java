package dev.sluice.proxy.internal;

/**
 * Who an admin API request acts for, after its token was checked: the gateway admin, or the admin of one team
 * (who sees and changes only that team's keys). Thread-safe (immutable).
 *
 * @param team the team a team admin token belongs to, or {@code null} for the gateway admin
 */
public record AdminPrincipal(String team) {
    /** The gateway admin (the {@code admin.token} of the configuration). */
    public static final AdminPrincipal ADMIN = new AdminPrincipal(null);

    /** Returns whether this is the gateway admin. */
    public boolean isAdmin() {
        return team == null;
    }

    /** Returns whether this principal may see and change keys of {@code keyTeam}. */
    public boolean owns(String keyTeam) {
        return team == null || team.equals(keyTeam);
    }

    /** Returns the actor name used in audit records: {@code admin} or {@code team:<name>}. */
    public String actor() {
        return team == null ? "admin" : "team:" + team;
    }
}
