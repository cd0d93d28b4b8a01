package dev.sluice.cluster.internal;

import dev.sluice.routing.admission.BudgetPeriod;

import static java.util.Objects.requireNonNull;

/**
 * The names of every Redis key Sluice uses, under one prefix. Thread-safe (immutable).
 */
public final class RedisKeys {
    private final String prefix;

    public RedisKeys(String prefix) {
        this.prefix = requireNonNull(prefix, "prefix");
    }

    /** Set of revoked key ids. */
    public String revoked() {
        return prefix + ":revoked";
    }

    /** Hash of stored keys, field = key id, value = JSON. */
    public String keys() {
        return prefix + ":keys";
    }

    /** Pub/sub channel announcing key changes. */
    public String keysChanged() {
        return prefix + ":keys:changed";
    }

    /** String: the labels document of agent {@code name} (labels, their history, waiting promotions). */
    public String agentLabels(String name) {
        return prefix + ":agent:" + name + ":labels";
    }

    /** Hash of the stored versions of agent {@code name}: field = version, value = its files as JSON. */
    public String agentVersions(String name) {
        return prefix + ":agent:" + name + ":versions";
    }

    /** Pub/sub channel announcing label moves: the message is the node id and the agent's name. */
    public String agentsChanged() {
        return prefix + ":agents:changed";
    }

    /** Marker of an admitted, not yet settled request. */
    public String ticket(String ticketId) {
        return prefix + ":ticket:" + ticketId;
    }

    /** Hash of a scope's two rate windows: w (index of the current), rc/rp requests, tc/tp tokens. */
    public String window(String counterKey) {
        return prefix + ":win:" + counterKey;
    }

    /** Sorted set of a scope's in-flight tickets, scored by expiry. */
    public String slots(String counterKey) {
        return prefix + ":slots:" + counterKey;
    }

    /** Hash of a scope's budget in one period: spent, reserved (micros). */
    public String budget(String counterKey, BudgetPeriod period, long periodStartMs) {
        return prefix + ":budget:" + counterKey + ':' + period.configName() + ':' + periodStartMs;
    }

    /** A key the script is given but never touches, for scopes without a budget. */
    public String noBudget(String counterKey) {
        return prefix + ":budget:" + counterKey + ":none";
    }
}
