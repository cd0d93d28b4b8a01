/**
 * Evaluation sets as the configuration declares them ({@code conf/evals/NAME.yaml}): cases with their input (messages
 * or an agent's variables), what is expected, and the graders that judge an answer. Values only: running a set and
 * grading answers is the command line's work.
 */
package dev.sluice.routing.evals;
