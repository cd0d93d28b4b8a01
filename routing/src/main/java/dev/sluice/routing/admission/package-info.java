/**
 * Admission control as decisions. {@link Admission} admits a request atomically over all the {@link Scope}s it is
 * charged to (key, team, model, project), or refuses it, then settles its {@link Ticket} once with what it really
 * used; {@link LocalAdmission} keeps the counters in this process. It decides over {@link Limits} (requests and
 * tokens per sliding minute, concurrency) and {@link Budget}s per {@link BudgetPeriod}, answers with an
 * {@link AdmissionDecision} (and the {@link RateLimitState}s of the {@code x-ratelimit-*} headers), and takes every
 * refusal from {@link Refusals}, the one catalogue for every implementation. {@link KeyStore} and
 * {@link StoredKey} describe keys created at run time.
 * <p>
 * No I/O: {@link KeyStore} is only the contract (its file and Redis implementations live where I/O is done), the
 * Redis admission is the cluster module's, and budgets start from spend the caller seeds
 * ({@link Admission#seedSpend}). The local counters are in {@code dev.sluice.routing.admission.internal}.
 * <p>
 * Threading: {@link Admission} implementations are thread-safe and called from every event loop at once;
 * {@link LocalAdmission} never blocks and calls back on the caller's thread before {@code admit} returns.
 * {@link KeyStore} calls may do I/O and never run on an event loop. Records, enums and {@link Scope}s are immutable;
 * an admitted {@link AdmissionDecision} and its {@link RateLimitState}s are the request's until it settles (the
 * local admission pools them with the ticket), and a settle names the ticket's stamp, so a stale one does nothing.
 */
package dev.sluice.routing.admission;
