/**
 * The side-by-side comparison ({@link Compare}, run as {@code bench/compare}): the same scenarios, run by the load
 * driver against the upstream directly, a Sluice gateway, nginx, HAProxy, Caddy and the Portkey gateway, one target
 * at a time, each first validated to really stream. {@link BenchUpstream} is the mock OpenAI upstream (its own JVM, pre-encoded answers,
 * nothing parsed per request) whose rate is the denominator of every ratio; {@link Figures} turns measurements into
 * throughput ratios, added latency and CPU per request against {@code direct}. The table is printed and
 * {@code bench/results/compare.json} written, with an HdrHistogram interval log per measured load run.
 * <p>
 * Targets run as child processes and are measured from outside through Linux {@code /proc}: no gateway code is
 * linked in, and a target that is not installed is skipped. Peers, scenarios, processes, validation and the report
 * are in {@code dev.sluice.bench.compare.internal}, which is not API.
 * <p>
 * Threading: {@link Compare} runs on the main thread; {@link BenchUpstream} serves on one event loop of its own and
 * is thread-safe; {@link Figures} is stateless.
 */
package dev.sluice.bench.compare;
