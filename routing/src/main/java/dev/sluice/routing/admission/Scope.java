package dev.sluice.routing.admission;

import static java.util.Objects.requireNonNull;

/**
 * One thing a request is counted against: a key, a team, a model alias or a project, with its limits and
 * budget (either may be absent). Thread-safe (immutable).
 *
 * @param kind "key", "team", "model" or "project"
 * @param id the key id, team name, model alias or project name
 * @param limits the rate limits, {@link Limits#NONE} for none
 * @param budget the budget, or {@code null}
 */
public record Scope(String kind, String id, Limits limits, Budget budget) {
    public Scope {
        requireNonNull(kind, "kind");
        requireNonNull(id, "id");
        requireNonNull(limits, "limits");
    }

    /** Returns {@code kind:id}, the name of this scope's counters (in Redis, and in seeded spend). */
    public String counterKey() {
        return kind + ':' + id;
    }
}
