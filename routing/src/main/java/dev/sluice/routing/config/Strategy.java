package dev.sluice.routing.config;

import java.util.Locale;

/**
 * How a {@link Route} chooses among its deployments. Thread-safe (immutable).
 */
public enum Strategy {
    /** The lowest {@link Deployment#priority()} first; deployments of equal priority share traffic by weight. */
    PRIORITY("priority"),
    /** At random, in proportion to {@link Deployment#weight()}; a weight of 0 is never picked. */
    WEIGHTED("weighted"),
    /** The lowest moving average of time to first token; deployments without a sample are tried first. */
    LEAST_LATENCY("least-latency"),
    /** The lowest list price (input plus output per million tokens); deployments without a price last. */
    LEAST_COST("least-cost");

    private final String configName;

    Strategy(String configName) {
        this.configName = configName;
    }

    /** Returns the name used in the configuration file, for example {@code least-latency}. */
    public String configName() {
        return configName;
    }

    /** Returns the strategy named {@code text} in the configuration (case-insensitive), or {@code null}. */
    public static Strategy parse(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Strategy s : values()) {
            if (s.configName.equals(t)) {
                return s;
            }
        }
        return null;
    }
}
