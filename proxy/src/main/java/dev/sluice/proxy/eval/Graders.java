package dev.sluice.proxy.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import dev.sluice.routing.evals.EvalCase;
import dev.sluice.routing.evals.GraderSpec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grades answers with a case's graders: exact, contains, regex, JSON, JSON Schema (2020-12, no remote references
 * fetched), tool call, numeric tolerance, and an LLM judge through {@link Judge}. Thread-safe.
 */
public final class Graders {
    /** Asks a model (or an agent) whether an answer passes a rubric. */
    @FunctionalInterface
    public interface Judge {
        /** The judge's verdict on {@code answer} to {@code input}, with {@code expected} (may be null). */
        CompletableFuture<Verdict> judge(String model, String rubric, String input, Answer answer, String expected);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NUMBER = Pattern.compile("[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?");

    private final Judge judge;
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaLoader(l -> l.fetchRemoteResources(false)));
    private final Map<JsonNode, Schema> compiled = new ConcurrentHashMap<>();

    /** @param judge asks the LLM judges (null: a case with one fails with a reason) */
    public Graders(Judge judge) {
        this.judge = judge;
    }

    /** Every grader's verdict on {@code answer} to case {@code c}, in the case's order. */
    public CompletableFuture<List<Verdict>> grade(EvalCase c, Answer answer) {
        List<CompletableFuture<Verdict>> out = new ArrayList<>();
        for (GraderSpec g : c.graders()) {
            out.add(g.kind() == GraderSpec.Kind.LLM_JUDGE ? judge(g, c, answer)
                    : CompletableFuture.completedFuture(grade(g, c, answer)));
        }
        return CompletableFuture.allOf(out.toArray(new CompletableFuture<?>[0])).thenApply(x -> {
            List<Verdict> verdicts = new ArrayList<>(out.size());
            for (CompletableFuture<Verdict> f : out) {
                verdicts.add(f.join());
            }
            return verdicts;
        });
    }

    private CompletableFuture<Verdict> judge(GraderSpec g, EvalCase c, Answer answer) {
        if (judge == null) {
            return CompletableFuture.completedFuture(new Verdict("llm_judge", false, "no judge available"));
        }
        JsonNode a = g.argument();
        StringBuilder input = new StringBuilder();
        for (JsonNode m : c.messages()) {
            if ("user".equals(m.path("role").asText())) {
                input.append(m.path("content").asText()).append('\n');
            }
        }
        return judge.judge(a.path("model").asText(), a.path("rubric").asText(), input.toString().strip(), answer,
                c.expected()).exceptionally(e -> new Verdict("llm_judge", false, "the judge failed: "
                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
    }

    /** The verdict of grader {@code g} (not a judge) on {@code answer} to case {@code c}. */
    Verdict grade(GraderSpec g, EvalCase c, Answer answer) {
        String name = g.kind().configName();
        String text = answer.text();
        switch (g.kind()) {
            case EXACT -> {
                String want = g.text(c.expected());
                return verdict(name, text.strip().equals(want.strip()), "the answer is not exactly " + quote(want));
            }
            case CONTAINS -> {
                String want = g.text(c.expected());
                return verdict(name, text.toLowerCase(Locale.ROOT).contains(want.toLowerCase(Locale.ROOT)),
                        "the answer does not contain " + quote(want));
            }
            case REGEX -> {
                return verdict(name, Pattern.compile(g.argument().asText()).matcher(text).find(),
                        "no match for /" + g.argument().asText() + "/");
            }
            case JSON -> {
                JsonNode parsed = parse(text);
                return verdict(name, parsed != null, "the answer is not JSON");
            }
            case JSON_SCHEMA -> {
                JsonNode parsed = parse(text);
                if (parsed == null) {
                    return new Verdict(name, false, "the answer is not JSON");
                }
                Schema schema = compiled.computeIfAbsent(g.argument(),
                        s -> schemas.getSchema(SchemaLocation.DOCUMENT, s));
                List<Error> errors = schema.validate(parsed);
                return verdict(name, errors.isEmpty(), errors.isEmpty() ? null : errors.get(0).getMessage()
                        + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""));
            }
            case TOOL_CALL -> {
                return toolCall(name, g.argument(), answer);
            }
            case NUMERIC -> {
                JsonNode a = g.argument();
                double want;
                if (a.has("value")) {
                    want = a.get("value").asDouble();
                } else {
                    try {
                        want = Double.parseDouble(c.expected().strip());
                    } catch (NumberFormatException | NullPointerException e) {
                        return new Verdict(name, false, "the case's expected is not a number");
                    }
                }
                double tolerance = a.path("tolerance").asDouble(0);
                Matcher m = NUMBER.matcher(text);
                if (!m.find()) {
                    return new Verdict(name, false, "no number in the answer");
                }
                double got = Double.parseDouble(m.group());
                return verdict(name, Math.abs(got - want) <= tolerance, got + " is not " + want + " within "
                        + tolerance);
            }
            default -> throw new IllegalArgumentException(name + " is graded by the judge");
        }
    }

    private static Verdict toolCall(String name, JsonNode spec, Answer answer) {
        String tool = spec.path("name").asText();
        for (Answer.ToolCall call : answer.toolCalls()) {
            if (!call.name().equals(tool)) {
                continue;
            }
            JsonNode args = parse(call.arguments());
            JsonNode want = spec.path("arguments");
            if (want.isMissingNode()) {
                return new Verdict(name, true, null);
            }
            if (args == null || !args.isObject()) {
                return new Verdict(name, false, tool + " was called with arguments that are not a JSON object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = want.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().equals(args.get(e.getKey()))) {
                    return new Verdict(name, false, tool + "(" + e.getKey() + "): " + args.get(e.getKey())
                            + ", not " + e.getValue());
                }
            }
            return new Verdict(name, true, null);
        }
        return new Verdict(name, false, "no call to " + tool);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    private static Verdict verdict(String grader, boolean pass, String reason) {
        return new Verdict(grader, pass, pass ? null : reason);
    }

    private static String quote(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }
}
