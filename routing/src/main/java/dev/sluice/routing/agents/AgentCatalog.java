package dev.sluice.routing.agents;

import static java.util.Objects.requireNonNull;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The agents a snapshot serves: for each, the version its files in {@code conf/agents/} make (the {@code staging}
 * label follows it), every version the version store holds, and the labels an owner moved by promotion
 * ({@code production} first). A request names an agent as {@code agent/NAME} (its production version),
 * {@code agent/NAME@LABEL} or {@code agent/NAME@VERSION}; {@link #resolve} reads that with no allocation beyond its
 * answer. Thread-safe (immutable).
 */
public final class AgentCatalog {
    /** What a request's {@code model} starts with to call an agent. */
    public static final String MODEL_PREFIX = "agent/";
    /** The label a bare {@code agent/NAME} means; it moves only by promotion. */
    public static final String PRODUCTION = "production";
    /** The label that follows the agent's files. */
    public static final String STAGING = "staging";
    /** An agent's name: its directory's name. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    /** A label's name; never one that reads as a version. */
    public static final Pattern LABEL = Pattern.compile("[a-z][a-z0-9_-]{0,31}");
    public static final AgentCatalog EMPTY = new AgentCatalog(Map.of());

    /**
     * One agent.
     *
     * @param files    the version its files make now (the {@code staging} label)
     * @param versions every version the store holds (the files' version among them), by version name
     * @param labels   the version of each moved label, by label name ({@code staging} is not among them)
     */
    public record Agent(AgentVersion files, Map<String, AgentVersion> versions, Map<String, String> labels) {
        public Agent {
            requireNonNull(files, "files");
            versions = Map.copyOf(versions);
            labels = Map.copyOf(labels);
        }

        public String name() {
            return files.name();
        }

        /** The version {@code label} points at, or null. */
        public AgentVersion labelled(String label) {
            if (label.equals(STAGING)) {
                return files;
            }
            String v = labels.get(label);
            return v == null ? null : versions.get(v);
        }
    }

    /**
     * What a request's agent reference named.
     *
     * @param agent   the agent, or null when there is none of that name
     * @param version the version to serve, or null when the label or version is unknown
     * @param label   the label the reference used (production for a bare name), or null when it named a version
     */
    public record Resolved(Agent agent, AgentVersion version, String label) {
    }

    private final Map<String, Agent> agents;

    public AgentCatalog(Map<String, Agent> agents) {
        this.agents = Map.copyOf(agents);
    }

    /** The agent of that name, or null. */
    public Agent agent(String name) {
        return agents.get(name);
    }

    /** Every agent, by name. */
    public Collection<Agent> agents() {
        return new TreeMap<>(agents).values();
    }

    public boolean isEmpty() {
        return agents.isEmpty();
    }

    /**
     * Resolves what follows {@link #MODEL_PREFIX} in a model name: {@code NAME}, {@code NAME@LABEL} or
     * {@code NAME@VERSION}. Names, labels and versions are matched exactly (no case folding, no trimming).
     */
    public Resolved resolve(String ref) {
        int at = ref.indexOf('@');
        String name = at < 0 ? ref : ref.substring(0, at);
        Agent a = agents.get(name);
        if (a == null) {
            return new Resolved(null, null, null);
        }
        if (at < 0) {
            return new Resolved(a, a.labelled(PRODUCTION), PRODUCTION);
        }
        String which = ref.substring(at + 1);
        if (AgentVersion.VERSION.matcher(which).matches()) {
            return new Resolved(a, a.versions().get(which), null);
        }
        return new Resolved(a, LABEL.matcher(which).matches() ? a.labelled(which) : null, which);
    }
}
