package dev.sluice.proxy.eval;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.journal.ShadowPairs;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge model's pairwise preference between primary and shadow ({@code eval shadow-report --judge ALIAS}): for
 * each pair whose request and both answers were captured, the judge gets the request's last user message and the
 * two answers as A and B (which is which alternates with the shadow's request id, so a judge that favours a
 * position favours neither side) and says which answers better, or a tie, as JSON. Sent through the gateway like an
 * evaluation's samples (use case {@code eval}).
 * <p>
 * Confined to the calling thread; the answers arrive on the HTTP client's threads.
 */
public final class ShadowJudge {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern BETTER = Pattern.compile("\"better\"\\s*:\\s*\"(A|B|tie)\"", Pattern.CASE_INSENSITIVE);
    /** The most characters of the request and of each answer put before the judge. */
    static final int MAX_CHARS = 8_000;

    private ShadowJudge() {
    }

    /**
     * Asks {@code judge} about every judgeable pair of {@code pairs}, at most {@code concurrency} at once, and records
     * the verdicts in {@code report}; returns how many pairs were judgeable.
     */
    public static int judge(ShadowReport report, List<ShadowPairs.Pair> pairs, EvalRunner runner, String judge,
                            int concurrency) throws InterruptedException {
        requireNonNull(judge, "judge");
        Semaphore slots = new Semaphore(Math.max(1, concurrency));
        List<CompletableFuture<Void>> all = new ArrayList<>();
        for (ShadowPairs.Pair p : pairs) {
            String input = input(p.request());
            if (input == null || p.primaryAnswer() == null || p.shadowAnswer() == null) {
                continue;
            }
            boolean shadowFirst = (p.shadow().requestId() & 1) == 1;
            String a = shadowFirst ? p.shadowAnswer().text() : p.primaryAnswer().text();
            String b = shadowFirst ? p.primaryAnswer().text() : p.shadowAnswer().text();
            String prompt = "Two answers to the same request follow. Which one answers it better: more correct, "
                    + "more helpful, clearer?\n\n<input>" + cut(input) + "</input>\n<answer_a>" + cut(a)
                    + "</answer_a>\n<answer_b>" + cut(b) + "</answer_b>\n\nAnswer with JSON only: {\"better\": "
                    + "\"A\", \"B\" or \"tie\", \"reason\": \"...\"}";
            slots.acquire();
            all.add(runner.ask(judge, prompt).thenAccept(said -> {
                try {
                    synchronized (report) {
                        report.prefer(p, verdict(said, shadowFirst));
                    }
                } finally {
                    slots.release();
                }
            }));
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
        return all.size();
    }

    private static int verdict(String said, boolean shadowFirst) {
        Matcher m = said == null ? null : BETTER.matcher(said);
        if (m == null || !m.find()) {
            return ShadowReport.NO_VERDICT;
        }
        String better = m.group(1);
        if (better.equalsIgnoreCase("tie")) {
            return ShadowReport.TIE;
        }
        return better.equalsIgnoreCase("A") == shadowFirst ? ShadowReport.SHADOW_BETTER
                : ShadowReport.PRIMARY_BETTER;
    }

    /** The request's last user message as text, or null when the body is not a readable chat request. */
    static String input(byte[] request) {
        if (request == null) {
            return null;
        }
        JsonNode body;
        try {
            body = JSON.readTree(request);
        } catch (IOException e) {
            return null;
        }
        JsonNode messages = body.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) {
                continue;
            }
            JsonNode c = m.path("content");
            if (c.isTextual()) {
                return c.asText();
            }
            StringBuilder text = new StringBuilder();
            for (JsonNode part : c) {
                if (part.path("text").isTextual()) {
                    text.append(part.path("text").asText());
                }
            }
            return text.toString();
        }
        JsonNode in = body.path("input");
        return in.isTextual() ? in.asText() : body.path("prompt").isTextual() ? body.path("prompt").asText() : null;
    }

    private static String cut(String s) {
        String t = s == null ? "" : s;
        return t.length() <= MAX_CHARS ? t : t.substring(0, MAX_CHARS) + " [cut]";
    }
}
