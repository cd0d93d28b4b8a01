package dev.sluice.routing.admission;

/**
 * What an admitted request holds (its reservations and slots), handed back to {@link Admission#settle} once.
 * Each implementation has its own; the caller treats it as opaque.
 */
public interface Ticket {
}
