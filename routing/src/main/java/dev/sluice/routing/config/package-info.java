/**
 * The configuration model and the routing decisions made from it. {@link ConfigLoader} reads
 * {@code conf/sluice.yaml} and its price table into a {@link GatewayConfig}, one immutable and validated snapshot
 * (settings, providers, routes, keys, teams, projects, limits, budgets, prices); every problem is a
 * {@link ConfigException} naming file, line and field. {@link RouteTable} finds a model alias from the body's bytes
 * and {@link KeyTable} a key by its digest, neither allocating; {@link Route} picks a {@link Deployment} by its
 * {@link Strategy} under its {@link RoutePolicy} and ejects deployments on the {@link FailureKind}s reported to it,
 * with live state in {@link DeploymentHealth} kept across reloads; {@link PriceTable} and {@link Price} give costs
 * in exact micro-units.
 * <p>
 * Its I/O is {@link ConfigLoader} reading the configuration files (with the agents under {@code agents/} beside
 * them, {@link AgentSection}) and {@link AgentStore} keeping agents' versions and labels under the data directory:
 * it neither holds the running snapshot nor watches or swaps it (the gateway does), and never sees a socket. Keys are held as digests, and a provider
 * credential never appears in {@code toString()}. YAML parsing with line numbers is internal
 * ({@code dev.sluice.routing.internal}).
 * <p>
 * Threading: snapshots are immutable and read from every event loop at once; {@link Route#pick} and the health
 * reports are lock-free and callable from any event loop; a {@link KeyDigester} is confined to one event loop;
 * {@link ConfigLoader} runs on the calling thread, never an event loop.
 */
package dev.sluice.routing.config;
