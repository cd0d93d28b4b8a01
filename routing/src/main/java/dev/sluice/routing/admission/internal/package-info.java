/**
 * The in-process counters behind {@link dev.sluice.routing.admission.LocalAdmission}: per scope
 * ({@link ScopeCounters}) a {@link SlidingWindow} for requests and one for tokens (a minute of one-second slots),
 * an in-flight count, and a {@link BudgetCounter} for the current calendar period (committed and
 * spent micro-units, each tagged with its period); a {@link LocalTicket} remembers what an admitted request took,
 * so that settling adjusts exactly that, once (tickets are pooled: a stamp tells the settle of the request that
 * holds one from a stale one).
 * <p>
 * Not API: public only for {@code LocalAdmission}; no other module may name it. No I/O and no clock of its own
 * (times are passed in); once a scope's counters exist nothing is allocated per request, except once per budget
 * period.
 * <p>
 * Threading: thread-safe, updated from every event loop at once. Budgets and in-flight counts change by
 * compare-and-set, so a race never takes a budget past its hard cap; a sliding window holds its monitor while it walks
 * at most its 60 slots; a ticket's slots are written by the admitting thread before the ticket is published.
 */
package dev.sluice.routing.admission.internal;
