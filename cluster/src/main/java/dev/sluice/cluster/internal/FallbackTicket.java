package dev.sluice.cluster.internal;

import dev.sluice.routing.admission.Ticket;

/**
 * A ticket issued by the local fallback admission while Redis was unreachable (fail-open policy): settling it
 * goes back to the fallback. Thread-safe (immutable).
 */
public record FallbackTicket(Ticket inner) implements Ticket {
}
