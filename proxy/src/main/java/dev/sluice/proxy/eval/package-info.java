/**
 * Evaluation runs: an evaluation set's cases sent through a running gateway (authenticated, admitted, budgeted,
 * routed and journaled like any request, with use case {@code eval}), each answer graded, and the pass rates
 * reported with their 95% intervals, cost, tokens and latency from the journal.
 */
package dev.sluice.proxy.eval;
