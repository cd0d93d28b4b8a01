/**
 * Agents as governed units: an {@link dev.sluice.routing.agents.AgentVersion} is one version of an agent's settings
 * ({@link dev.sluice.routing.agents.AgentSettings}), prompt template ({@link dev.sluice.routing.agents.AgentTemplate},
 * Mustache without escaping or partials) and context files, named by the content hash of all three; an
 * {@link dev.sluice.routing.agents.AgentCatalog} is what a snapshot serves: each agent's files version (the
 * {@code staging} label), its stored versions and its moved labels, and resolves {@code agent/NAME[@LABEL|@VERSION]}.
 * The files are read by {@code dev.sluice.routing.config.AgentSection} and kept by
 * {@code dev.sluice.routing.config.AgentStore}; this package does no I/O.
 * <p>
 * Threading: everything here is immutable and read from any event loop.
 */
package dev.sluice.routing.agents;
