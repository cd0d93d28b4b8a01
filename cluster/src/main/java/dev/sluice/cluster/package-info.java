/**
 * Cluster mode: the state several gateway processes share through Redis (Lettuce). {@link RedisAdmission}
 * implements {@link dev.sluice.routing.admission.Admission} with one Lua script that admits a request atomically
 * over all its scopes (revocation, sliding-minute requests and tokens, concurrency slots, budget reservations) and
 * one that settles it. {@link RedisKeyStore} implements {@link dev.sluice.routing.admission.KeyStore}: keys as JSON
 * in a Redis hash, a revocation set the script checks, changes announced by pub/sub. {@link ClusterSettings} holds
 * every timeout, TTL and bound.
 * <p>
 * Refusals read as the local ones ({@link dev.sluice.routing.admission.Refusals}). When Redis cannot be reached the
 * policy refuses with 503 or falls back to a local admission; failed settles are kept (bounded) and replayed. No
 * Netty or Reactor types, and routing never names this module. Scripts, key names and tickets are in
 * {@code dev.sluice.cluster.internal}, which is not API.
 * <p>
 * Threading: both classes are thread-safe. {@link RedisAdmission#admit} and {@link RedisAdmission#settle} never
 * block; callbacks run on a Lettuce I/O thread (or the caller's when no round trip is needed), so callers hop back.
 * {@link RedisKeyStore} calls block up to the command timeout and never run on an event loop.
 */
package dev.sluice.cluster;
