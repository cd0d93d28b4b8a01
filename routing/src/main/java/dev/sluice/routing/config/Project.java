package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

/**
 * A project from {@code projects:}: the limits and budget of the requests tagged with it. Thread-safe (immutable).
 *
 * @param budget the project's budget, or {@code null}
 * @param scope its admission scope, or {@code null} when it has neither limits nor a budget
 */
public record Project(String name, Limits limits, Budget budget, Scope scope) {
    public Project {
        requireNonNull(name, "name");
        requireNonNull(limits, "limits");
    }

    public Project(String name, Limits limits, Budget budget) {
        this(name, limits, budget, limits.isNone() && budget == null ? null : new Scope("project", name, limits, budget));
    }
}
