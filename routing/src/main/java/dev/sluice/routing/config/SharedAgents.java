package dev.sluice.routing.config;

import java.util.Set;
import java.util.function.Consumer;

/**
 * Where the gateways of one cluster keep their agents' labels and versions together (Redis), so that a promotion or
 * a rollback through one gateway is served by all of them, and a version one gateway loaded can be served by another
 * that never had its files. Labels are one document per agent (the text of {@code labels.json}), replaced only when
 * it is still the one read (compare and set); versions are the files of each, written once.
 * <p>
 * Calls block up to the command timeout and throw {@link IllegalStateException} when the store cannot be reached:
 * never call them on an event loop. Thread-safe.
 */
public interface SharedAgents extends AutoCloseable {
    /** The labels document of agent {@code name}, or null when there is none yet. */
    String labels(String name);

    /**
     * Replaces the labels document of agent {@code name} with {@code doc} when it is still {@code expected} (null:
     * none yet), and tells the other gateways.
     *
     * @return false when another gateway changed it first (read it again and retry)
     */
    boolean replaceLabels(String name, String expected, String doc);

    /** The versions stored of agent {@code name}. */
    Set<String> versions(String name);

    /** The files of version {@code version} of agent {@code name} (as {@link #putVersion} took them), or null. */
    String version(String name, String version);

    /** Stores the files of {@code version} of agent {@code name} (a JSON object, file name to text) unless stored. */
    void putVersion(String name, String version, String files);

    /**
     * Calls {@code onChange} with an agent's name when another gateway changed its labels, and with null when changes
     * may have been missed (the store was out of reach for a while): read every agent again. Called on the store's
     * own thread.
     */
    void watch(Consumer<String> onChange);

    @Override
    void close();
}
