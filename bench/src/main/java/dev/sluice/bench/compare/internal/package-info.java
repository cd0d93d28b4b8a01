/**
 * The comparison's parts, not API: the targets ({@link Peer}) and {@link Scenario}s; the upstream behaviours chosen
 * by the request's model ({@link BenchModel}), the request {@link Bodies}, the answers encoded once
 * ({@link UpstreamResponses}) and the upstream's only handler ({@link UpstreamConnection}); the child processes
 * ({@link ChildProcess}, stopped by their own pid and descendants only); {@code /proc} readings ({@link ProcStats})
 * sampled over each run ({@link WindowSampler}); the check that a target streams ({@link Validation}); the
 * Markdown table and JSON report ({@link CompareReport}); and the HdrHistogram logs of the runs ({@link HdrLogs}).
 * <p>
 * The upstream parses no JSON and builds nothing per request: it picks the model from the body's bytes and sends
 * pre-encoded buffers as {@code retainedDuplicate()}s. Process measurements need Linux.
 * <p>
 * Threading: {@link UpstreamConnection} is confined to its channel's event loop; {@link ChildProcess} and
 * {@link CompareReport} and {@link HdrLogs} to the comparison's main thread; {@link WindowSampler} samples on its own daemon thread and
 * is finished by the thread that created it; the rest is immutable or stateless.
 */
package dev.sluice.bench.compare.internal;
