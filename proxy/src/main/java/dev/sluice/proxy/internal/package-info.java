/**
 * The gateway's request path and admin API, not API (no other module may name it). {@link ClientRequestDecoder},
 * {@link FramingRules} and {@link ClientHandler} refuse ambiguous framing, authenticate and read the body up to its
 * cap; an {@link Exchange} then carries the request to its END record, phase by phase ({@link Phase}):
 * {@link RequestAdmission} scans the body once ({@link RequestBody}) and asks for admission, {@link Attempts} runs one
 * {@link Attempt} per upstream try over connections from {@link UpstreamPool} ({@link UpstreamHandler}), retrying
 * and timing each phase, and the answer reaches the client through the {@link ResponseRelay} chosen for it
 * ({@link JsonRelay}, {@link SseRelay}, {@link TranslatedStreamRelay}, {@link TranslatedJsonRelay}), written and
 * flushed in one place ({@link ClientOut}); {@link EndRecords} fills the END record. At the end the request is also telemetry: a series in
 * {@link RequestMetrics} (rendered by {@link Scrape} for {@code /metrics}, exported by {@link OtlpMetrics}) and,
 * with traces on, a span with one child per attempt ({@link Tracing}, exported by {@link SpanQueue}).
 * {@link AdminHandler}, {@link AdminKeys} and {@link FileKeyStore} serve the admin API;
 * {@link GatewayContext} holds the current snapshot behind one volatile reference, and {@link LoopResources} each
 * event loop's scratch objects.
 * <p>
 * Limits, budgets, circuits, prices and backoff come from routing; scanning, SSE framing and translation from codec.
 * A handler forwards or releases every message. Nothing reaches the client before the first relayed body byte, so
 * retries happen before it; no status goes out before its REQUEST record is durable (a full journal answers 503).
 * <p>
 * Threading: a client connection, its upstream connections, its {@link Exchange} and relay share one event loop, with
 * no thread hop and no lock; an admission decided elsewhere hops back to it. The admin API is served on the event
 * loops too, but its key operations and key store I/O run on the admin thread ({@code sluice-admin}), and
 * {@code /metrics} is rendered on the telemetry thread ({@code sluice-telemetry});
 * {@link GatewayContext}, {@link GatewayMetrics} and {@link AdminKeys} are thread-safe.
 */
package dev.sluice.proxy.internal;
