/**
 * The Redis details behind {@link dev.sluice.cluster.RedisAdmission} and {@link dev.sluice.cluster.RedisKeyStore},
 * not API: the admission and settle Lua scripts ({@code admit.lua} and {@code settle.lua}, resources of this
 * package) run by their SHA-1 with a fallback to {@code EVAL} ({@link LuaScript}); one admission script run, its
 * keys and arguments and the decision read from its reply ({@link AdmitCall}); the name of every Redis key under the
 * prefix ({@link RedisKeys}); the tickets a Redis or a
 * fallback admission hands out ({@link RedisTicket}, {@link FallbackTicket}); and Lettuce clients with short
 * timeouts and fast reconnect ({@link RedisClients}).
 * <p>
 * The limits and budgets are checked inside the scripts, atomically in Redis; refusal texts come from routing's
 * catalogue, and the failure policy and fallback belong to the public classes.
 * <p>
 * Threading: an {@link AdmitCall} is built on the caller's thread and read on Lettuce's; a {@link RedisTicket} is
 * settled at most once (an atomic flag); the rest is immutable or stateless.
 */
package dev.sluice.cluster.internal;
