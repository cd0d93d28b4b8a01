package dev.sluice.proxy.eval;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.sluice.codec.Clock;
import dev.sluice.routing.evals.EvalCase;
import dev.sluice.routing.evals.EvalSet;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sends every case of a set, {@code samples} times, to a running gateway's OpenAI chat endpoint with the caller's
 * key and use case {@code eval} (so each request is authenticated, admitted, budgeted, routed and journaled like any
 * other), at most {@code concurrency} at once, and grades each answer. An LLM judge is asked through the same
 * gateway. Not thread-safe: one run at a time.
 */
public final class EvalRunner {
    /** The use case every evaluation request is tagged with. */
    public static final String USE_CASE = "eval";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VERDICT = Pattern.compile("\\{[^{}]*\"pass\"\\s*:\\s*(true|false)[^{}]*}");
    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    private final HttpClient http;
    private final Clock clock;
    private final URI chat;
    private final String key;
    private final Graders graders = new Graders(this::judge);

    /**
     * @param baseUrl the gateway's client API, e.g. {@code http://127.0.0.1:8080}
     * @param key     the API key the requests are sent with
     */
    public EvalRunner(HttpClient http, Clock clock, String baseUrl, String key) {
        this.http = requireNonNull(http, "http");
        this.clock = requireNonNull(clock, "clock");
        this.chat = URI.create(baseUrl.replaceAll("/+$", "") + "/v1/chat/completions");
        this.key = requireNonNull(key, "key");
    }

    /**
     * Runs {@code set} against {@code target}.
     *
     * @param progress told the number of samples done after each one (on an HTTP thread)
     * @return every sample, case by case in the set's order, then by index
     */
    public List<Sample> run(EvalSet set, String target, int samples, int concurrency, IntConsumer progress)
            throws InterruptedException {
        boolean agent = target.startsWith("agent/");
        Semaphore slots = new Semaphore(concurrency);
        List<Sample> out = Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> all = new ArrayList<>();
        AtomicInteger done = new AtomicInteger();
        for (EvalCase c : set.cases()) {
            String body = body(target, c, agent);
            for (int i = 0; i < samples; i++) {
                slots.acquire();
                int index = i;
                long t0 = clock.nanoTime();
                all.add(send(body).handle((r, e) -> new Object[] {r, e}).thenCompose(x -> {
                    @SuppressWarnings("unchecked")
                    HttpResponse<String> r = (HttpResponse<String>) x[0];
                    double ms = (clock.nanoTime() - t0) / 1e6;
                    return sample(c, index, r, (Throwable) x[1], ms);
                }).exceptionally(e -> new Sample(c.id(), index, 0, null, null, List.of(), false,
                        "grading failed: " + (e.getCause() != null ? e.getCause() : e), 0)).thenAccept(s -> {
                    out.add(s);
                    slots.release();
                    progress.accept(done.incrementAndGet());
                }));
            }
        }
        CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
        List<Sample> sorted = new ArrayList<>(out);
        List<String> order = new ArrayList<>();
        set.cases().forEach(c -> order.add(c.id()));
        sorted.sort((a, b) -> a.caseId().equals(b.caseId()) ? Integer.compare(a.index(), b.index())
                : Integer.compare(order.indexOf(a.caseId()), order.indexOf(b.caseId())));
        return sorted;
    }

    private CompletableFuture<Sample> sample(EvalCase c, int index, HttpResponse<String> r, Throwable e,
                                             double ms) {
        if (e != null) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return CompletableFuture.completedFuture(new Sample(c.id(), index, 0, null, null, List.of(), false,
                    "no answer: " + cause, ms));
        }
        String requestId = r.headers().firstValue("x-request-id").orElse(null);
        if (r.statusCode() != 200) {
            return CompletableFuture.completedFuture(new Sample(c.id(), index, r.statusCode(), requestId, null,
                    List.of(), false, errorMessage(r), ms));
        }
        Answer answer;
        try {
            answer = Answer.of(JSON.readTree(r.body()));
        } catch (IOException ex) {
            return CompletableFuture.completedFuture(new Sample(c.id(), index, r.statusCode(), requestId, null,
                    List.of(), false, "the answer is not JSON: " + ex.getMessage(), ms));
        }
        return graders.grade(c, answer).thenApply(verdicts -> new Sample(c.id(), index, 200, requestId, answer,
                verdicts, verdicts.stream().allMatch(Verdict::pass), null, ms));
    }

    /**
     * Sends {@code prompt} as one user message to {@code model} (with use case {@code eval}); completes with the
     * answer's text, or null when the gateway did not answer 200 with a readable answer.
     */
    public CompletableFuture<String> ask(String model, String prompt) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        ObjectNode m = b.putArray("messages").addObject();
        m.put("role", "user");
        m.put("content", prompt);
        return send(b.toString()).handle((r, e) -> {
            if (e != null || r.statusCode() != 200) {
                return null;
            }
            try {
                return Answer.of(JSON.readTree(r.body())).text();
            } catch (IOException ex) {
                return null;
            }
        });
    }

    private CompletableFuture<HttpResponse<String>> send(String body) {
        return http.sendAsync(HttpRequest.newBuilder(chat).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .header("x-sluice-use-case", USE_CASE).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String body(String target, EvalCase c, boolean agent) {
        ObjectNode b = JSON.createObjectNode();
        b.put("model", target);
        b.set("messages", c.messages());
        if (c.tools() != null) {
            b.set("tools", c.tools());
        }
        if (agent && !c.variables().isEmpty()) {
            ObjectNode vars = b.putObject("variables");
            c.variables().forEach(vars::put);
        }
        return b.toString();
    }

    /**
     * Asks {@code model} whether {@code answer} passes {@code rubric}: the rubric, the input, the answer and what was
     * expected go in one user message; the judge answers {@code {"pass": true|false, "reason": ...}} (or a text that
     * starts with PASS or FAIL).
     */
    private CompletableFuture<Verdict> judge(String model, String rubric, String input, Answer answer,
                                             String expected) {
        StringBuilder prompt = new StringBuilder(rubric.strip()).append("\n\n<input>").append(input)
                .append("</input>\n<answer>").append(answer.text()).append("</answer>\n");
        if (expected != null) {
            prompt.append("<expected>").append(expected).append("</expected>\n");
        }
        prompt.append("\nAnswer with JSON only: {\"pass\": true or false, \"reason\": \"...\"}");
        ObjectNode b = JSON.createObjectNode();
        b.put("model", model);
        ObjectNode m = b.putArray("messages").addObject();
        m.put("role", "user");
        m.put("content", prompt.toString());
        return send(b.toString()).thenApply(r -> {
            if (r.statusCode() != 200) {
                return new Verdict("llm_judge", false, "the judge (" + model + ") answered " + r.statusCode() + ": "
                        + errorMessage(r));
            }
            String said;
            try {
                said = Answer.of(JSON.readTree(r.body())).text();
            } catch (IOException e) {
                return new Verdict("llm_judge", false, "the judge's answer is not JSON");
            }
            Matcher v = VERDICT.matcher(said);
            if (v.find()) {
                boolean pass = Boolean.parseBoolean(v.group(1));
                String reason;
                try {
                    reason = JSON.readTree(v.group()).path("reason").asText(null);
                } catch (IOException e) {
                    reason = null;
                }
                return new Verdict("llm_judge", pass, reason);
            }
            String head = said.strip().toUpperCase(Locale.ROOT);
            if (head.startsWith("PASS") || head.startsWith("FAIL")) {
                return new Verdict("llm_judge", head.startsWith("PASS"), said.strip());
            }
            return new Verdict("llm_judge", false, "the judge gave no verdict: " + cut(said, 200));
        });
    }

    private static String errorMessage(HttpResponse<String> r) {
        try {
            JsonNode e = JSON.readTree(r.body()).path("error");
            if (e.path("message").isTextual()) {
                return r.statusCode() + " " + e.path("message").asText();
            }
        } catch (IOException ignored) {
            // not the gateway's JSON error: say what came
        }
        return r.statusCode() + " " + cut(r.body(), 200);
    }

    static String cut(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
