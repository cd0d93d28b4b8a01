package dev.sluice.journal;

import java.util.Locale;

/**
 * What a {@link SpendReport} groups by. Tags come from the request record; {@link #MODEL} is the model alias as
 * the client named it (not the served model); {@link #DAY} is the request's calendar day in the report's zone.
 * <p>
 * Thread-safe (immutable).
 */
public enum SpendDimension {
    TEAM("team"),
    PROJECT("project"),
    USE_CASE("use-case"),
    KEY("key"),
    MODEL("model"),
    DAY("day"),
    /** The agent a request called ({@code -} for none). */
    AGENT("agent"),
    /** The agent and the version that served the request, as {@code NAME@VERSION}. */
    AGENT_VERSION("agent-version");

    private final String cliName;

    SpendDimension(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in output, e.g. {@code "use-case"}. */
    public String cliName() {
        return cliName;
    }

    /**
     * The dimension named {@code name} (case-insensitive; {@code use_case} is accepted for {@code use-case}).
     *
     * @throws IllegalArgumentException when the name is unknown
     */
    public static SpendDimension fromName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (SpendDimension d : values()) {
            if (d.cliName.equals(n)) {
                return d;
            }
        }
        throw new IllegalArgumentException("by: " + name
                + " (expected: team, project, use-case, key, model, day, agent or agent-version)");
    }
}
