/**
 * The request path's decisions as pure functions, which the proxy calls and does the I/O around:
 * {@link dev.sluice.routing.policy.Retries} (whether and when another attempt may start),
 * {@link dev.sluice.routing.policy.Billing} (tokens and cost from the provider's usage, or an estimate) and
 * {@link dev.sluice.routing.policy.AdmissionRequests} (the scopes and the reservation a request is admitted on).
 * <p>
 * Threading: stateless and thread-safe, but for {@link dev.sluice.routing.policy.Billing.Bill}, a reusable
 * result confined to one thread.
 */
package dev.sluice.routing.policy;
