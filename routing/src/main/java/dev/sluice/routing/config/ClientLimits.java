package dev.sluice.routing.config;

/**
 * How much the client listener lets any one client, and all of them together, hold of the gateway: connection
 * timeouts, connection and request caps, and the memory guard (RELIABILITY.md A7, B2-B4). Every value is read per
 * connection event from the running configuration, so a reload changes it without a restart. Thread-safe
 * (immutable).
 *
 * @param headerTimeoutMs a request head must be complete this long after its first byte (a new connection: after it
 *        opened); past it the client gets 408 and the connection closes (slow headers, slowloris)
 * @param bodyTimeoutMs a request body must be complete this long after its head; past it 408 and a close (slow body)
 * @param idleTimeoutMs a keep-alive connection with no request in progress closes after this long
 * @param sendTimeoutMs a client that has not taken the answer written to it for this long (its connection's send
 *        buffer stayed full) is cut off; the provider call is cancelled and billed for what was produced
 * @param maxConnections client connections open at once; a new one past it displaces the connection of its event
 *        loop that has waited longest for a request (idle, or without its whole head), or is closed at once when
 *        none waits (lowered at run time to what the process's descriptor limit can hold)
 * @param maxRequestsPerConnection after this many requests a connection's answer says {@code Connection: close}
 * @param maxInFlight requests being served at once (from their head to their END record); past it new requests get
 *        503 {@code overloaded} with {@code Retry-After}
 * @param memoryGuardPercent while heap in use after the last collection, or direct memory in use, is above this
 *        percentage of its limit, new requests get 503 {@code overloaded}; 0 turns the guard off
 */
public record ClientLimits(long headerTimeoutMs, long bodyTimeoutMs, long idleTimeoutMs, long sendTimeoutMs,
                           int maxConnections, int maxRequestsPerConnection, int maxInFlight,
                           int memoryGuardPercent) {
    public static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
    public static final long DEFAULT_BODY_TIMEOUT_MS = 20_000;
    public static final long DEFAULT_IDLE_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_SEND_TIMEOUT_MS = 60_000;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_REQUESTS_PER_CONNECTION = 1_000;
    public static final int DEFAULT_MAX_IN_FLIGHT = 4_096;
    public static final int DEFAULT_MEMORY_GUARD_PERCENT = 90;

    /** The defaults above. */
    public static final ClientLimits DEFAULTS = new ClientLimits(DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_BODY_TIMEOUT_MS,
            DEFAULT_IDLE_TIMEOUT_MS, DEFAULT_SEND_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS,
            DEFAULT_MAX_REQUESTS_PER_CONNECTION, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MEMORY_GUARD_PERCENT);
}
