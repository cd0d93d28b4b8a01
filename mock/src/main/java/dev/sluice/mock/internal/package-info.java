/**
 * The mock provider's server side, not API (public only for {@code dev.sluice.mock}): one {@link MockServerHandler}
 * per connection behind {@code HttpServerCodec -> HttpObjectAggregator}; a {@link Responder} per endpoint (chat,
 * completions, embeddings, models, Responses, messages, count_tokens) building a {@link MockResponse}; each
 * request's {@link Behaviour} from headers and directive over the per-model {@link ModelBehaviours}; and the senders
 * ({@link JsonSender}, {@link StreamDriver}) that play an answer out with the faults asked for: delays, stalls,
 * error statuses, redirects, truncation by FIN or RST, malformed or oversized events, in-stream errors, odd usage.
 * {@link MockRecorder} and {@link MockCounters} keep what was received for tests.
 * <p>
 * Its dialect, error-body and JSON helpers are its own, not the gateway's. No thread sleeps: every delay is a task
 * on the channel's event loop. The records endpoint never echoes a credential header, only its SHA-256.
 * <p>
 * Threading: handlers, {@link Exchange}, {@link JsonSender} and {@link StreamDriver} are confined to the channel's
 * event loop; responders and helpers are stateless; {@link MockRecorder}, {@link ModelBehaviours} and
 * {@link MockCounters} are thread-safe (event loops write while test threads read and program).
 */
package dev.sluice.mock.internal;
