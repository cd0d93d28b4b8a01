package dev.sluice.routing.admission;

import static java.util.Objects.requireNonNull;

import java.util.Objects;

/**
 * One thing a request is counted against: a key, a team, a model alias or a project, with its limits and
 * budget (either may be absent). Made once per configuration, read for every request: its counter key is
 * built here once, not per settle. Values with equal components are equal. Thread-safe (immutable).
 */
public final class Scope {
    private final String kind;
    private final String id;
    private final Limits limits;
    private final Budget budget;
    private final String counterKey;

    /**
     * @param kind "key", "team", "model" or "project"
     * @param id the key id, team name, model alias or project name
     * @param limits the rate limits, {@link Limits#NONE} for none
     * @param budget the budget, or {@code null}
     */
    public Scope(String kind, String id, Limits limits, Budget budget) {
        this.kind = requireNonNull(kind, "kind");
        this.id = requireNonNull(id, "id");
        this.limits = requireNonNull(limits, "limits");
        this.budget = budget;
        this.counterKey = kind + ':' + id;
    }

    public String kind() {
        return kind;
    }

    public String id() {
        return id;
    }

    public Limits limits() {
        return limits;
    }

    /** The budget, or {@code null}. */
    public Budget budget() {
        return budget;
    }

    /** Returns {@code kind:id}, the name of this scope's counters (in Redis, and in seeded spend). */
    public String counterKey() {
        return counterKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Scope s && kind.equals(s.kind) && id.equals(s.id) && limits.equals(s.limits)
                && Objects.equals(budget, s.budget);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, id, limits, budget);
    }

    @Override
    public String toString() {
        return "Scope[kind=" + kind + ", id=" + id + ", limits=" + limits + ", budget=" + budget + "]";
    }
}
