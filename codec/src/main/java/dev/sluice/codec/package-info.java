/**
 * Bytes to meaning on the request path. {@link RequestScanner} validates a JSON request body in one pass and
 * records the top-level members the gateway routes and admits on as indices ({@link RequestFacts});
 * {@link BodyRewriter} splices a new model and {@code stream_options.include_usage} into that body;
 * {@link SseScanner} finds SSE events, usage and the finish reason in an upstream stream buffer by buffer, and
 * {@link UsageScanner} does the same for a whole JSON body. {@link ErrorBodies} and {@link JsonText} build small
 * bodies on cold paths, {@link TokenEstimator} a rough token count for admission; {@link Endpoint},
 * {@link Dialect}, {@link FinishReason} and {@link Usage} are the vocabulary the modules above share, and
 * {@link Clock} (with {@link ManualClock} for tests) the one source of time they read.
 * <p>
 * No I/O: it reads Netty buffers but never a channel, socket or file. Scanners read in place without moving indices,
 * never retain or release a buffer, and build no String or JSON tree; only {@link BodyRewriter} returns a buffer,
 * owned by the caller. Lexers and SSE state machines are in {@code dev.sluice.codec.internal} (not API); dialect
 * translation is in {@code dev.sluice.codec.translate}.
 * <p>
 * Threading: scanners, {@link RequestFacts} and {@link Usage} are reusable and confined to one thread (the
 * connection's event loop); the enums and static helpers are thread-safe (immutable or stateless).
 */
package dev.sluice.codec;
