package dev.sluice.mock.internal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The mock as a judge ({@code judge=1}): passes an answer when the text of the first {@code <expected>} element of
 * the judge's prompt occurs in its first {@code <answer>} element, ignoring case, and says so as the JSON verdict an
 * evaluation's LLM judge gives. Asked to compare two answers ({@code <answer_a>} and {@code <answer_b>}, as a shadow
 * report's judge asks), it prefers the longer one, and calls equal lengths a tie. Thread-safe (stateless).
 */
final class Judgement {
    private static final Pattern ANSWER = Pattern.compile("<answer>(.*?)</answer>", Pattern.DOTALL);
    private static final Pattern EXPECTED = Pattern.compile("<expected>(.*?)</expected>", Pattern.DOTALL);
    private static final Pattern ANSWER_A = Pattern.compile("<answer_a>(.*?)</answer_a>", Pattern.DOTALL);
    private static final Pattern ANSWER_B = Pattern.compile("<answer_b>(.*?)</answer_b>", Pattern.DOTALL);

    private Judgement() {
    }

    /** The verdict on the prompt {@code text} (the last user message), as JSON text. */
    static String of(final String text) {
        final Matcher a = ANSWER_A.matcher(text == null ? "" : text);
        final Matcher b = ANSWER_B.matcher(text == null ? "" : text);
        if (a.find() && b.find()) {
            final int diff = a.group(1).strip().length() - b.group(1).strip().length();
            return diff > 0 ? "{\"better\":\"A\",\"reason\":\"answer A is longer\"}"
                : diff < 0 ? "{\"better\":\"B\",\"reason\":\"answer B is longer\"}"
                : "{\"better\":\"tie\",\"reason\":\"the answers are as long\"}";
        }
        final Matcher answer = ANSWER.matcher(text == null ? "" : text);
        final Matcher expected = EXPECTED.matcher(text == null ? "" : text);
        if (!answer.find() || !expected.find()) {
            return "{\"pass\":false,\"reason\":\"no <answer> or <expected> element\"}";
        }
        final String want = expected.group(1).strip().toLowerCase(Locale.ROOT);
        return answer.group(1).toLowerCase(Locale.ROOT).contains(want)
            ? "{\"pass\":true,\"reason\":\"the answer contains the expected text\"}"
            : "{\"pass\":false,\"reason\":\"the answer does not contain the expected text\"}";
    }
}
