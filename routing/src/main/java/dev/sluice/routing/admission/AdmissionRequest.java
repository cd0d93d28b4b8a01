package dev.sluice.routing.admission;

import java.time.ZoneId;
import java.util.List;

/**
 * One request to admit. Thread-safe (immutable).
 *
 * @param scopes what the request is counted against, most specific first (key, team, model, project)
 * @param tokens tokens reserved against tokens-per-minute limits: the estimated input plus the maximum output
 * @param costMicros cost reserved against budgets: {@code tokens} at the route's highest price (worst case)
 * @param nowMs wall-clock time of admission (epoch milliseconds)
 * @param zone the time zone budget periods are aligned in
 */
public record AdmissionRequest(List<Scope> scopes, long tokens, long costMicros, long nowMs, ZoneId zone) {
}
