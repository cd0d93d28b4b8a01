package dev.sluice.proxy.eval;

/**
 * What one grader said of one answer.
 *
 * @param grader the grader's kind
 * @param pass   whether the answer passed it
 * @param reason why not (or, for a judge, what it said); null when it passed and there is nothing to add
 */
public record Verdict(String grader, boolean pass, String reason) {
}
