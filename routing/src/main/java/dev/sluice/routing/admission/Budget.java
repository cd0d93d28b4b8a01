package dev.sluice.routing.admission;

/**
 * A spend cap of one scope for a calendar period. Thread-safe (immutable).
 *
 * @param hardMicros spend (in micro-units of currency) past which requests are refused; -1 for none
 * @param softMicros spend past which an alert is raised (log, metric) but requests go on; -1 for none
 */
public record Budget(BudgetPeriod period, long hardMicros, long softMicros) {
}
