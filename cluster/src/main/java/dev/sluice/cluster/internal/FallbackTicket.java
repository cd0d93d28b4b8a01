package dev.sluice.cluster.internal;

import dev.sluice.routing.admission.Ticket;

/**
 * A ticket issued by the local fallback admission while Redis was unreachable (fail-open policy): settling it
 * goes back to the fallback, at the stamp the fallback issued it at. Thread-safe (immutable).
 */
public record FallbackTicket(Ticket inner, long stamp) implements Ticket {
}
