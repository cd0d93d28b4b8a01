package dev.sluice.routing.evals;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One grader of a case as declared: its kind and its argument as written (a text, a mapping, or {@code true} for
 * "the case's {@code expected}"). The reader has checked the argument's shape for the kind.
 *
 * @param kind     what judges the answer
 * @param argument the declared value
 */
public record GraderSpec(Kind kind, JsonNode argument) {
    public GraderSpec {
        requireNonNull(kind, "kind");
        requireNonNull(argument, "argument");
    }

    /** The kinds of grader, by their name in the file. */
    public enum Kind {
        /** The answer's text, trimmed, equals the text (or the case's expected). */
        EXACT("exact"),
        /** The answer's text contains the text (or the case's expected), ignoring case. */
        CONTAINS("contains"),
        /** The regular expression is found in the answer's text. */
        REGEX("regex"),
        /** The answer's text is one JSON value. */
        JSON("json"),
        /** The answer's text is JSON valid against the schema (JSON Schema 2020-12). */
        JSON_SCHEMA("json_schema"),
        /** The answer calls the tool named, with arguments that hold at least the ones given. */
        TOOL_CALL("tool_call"),
        /** The first number in the answer is the value (or the case's expected) within the tolerance. */
        NUMERIC("numeric"),
        /** A model (or an agent) judges the answer with a rubric, answering pass or fail. */
        LLM_JUDGE("llm_judge");

        private final String configName;

        Kind(String configName) {
            this.configName = configName;
        }

        /** The name in the file. */
        public String configName() {
            return configName;
        }

        /** The kind named {@code name}, or null. */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.configName.equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The text argument, or {@code expected} when the argument is {@code true}. */
    public String text(String expected) {
        return argument.isBoolean() ? expected : argument.asText();
    }
}
