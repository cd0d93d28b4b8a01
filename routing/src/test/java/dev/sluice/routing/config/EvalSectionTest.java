package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.routing.evals.EvalSet;
import dev.sluice.routing.evals.GraderSpec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

/** Evaluation sets as read from their files: the shapes each grader takes, and every mistake named where it is. */
class EvalSectionTest {
    private static EvalSet parse(String yaml) throws ConfigException {
        return EvalSection.parse("evals/t.yaml", "t", yaml.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsCasesGradersAndDefaults() throws Exception {
        EvalSet s = parse("target: agent/a\nsamples: 3\ngraders: [{contains: true}]\ncases:\n"
                + "  - {id: one, input: hi, expected: yes}\n"
                + "  - id: two\n    messages: [{role: system, content: s}, {role: user, content: u}]\n"
                + "    variables: {who: Ada}\n    tools: [{type: function, function: {name: f}}]\n"
                + "    graders: [{regex: '^a'}, {json_schema: {type: object}}, {numeric: {value: 2, tolerance: 0}},"
                + " {tool_call: {name: f}}, {llm_judge: {model: m, rubric: r}}]\n");
        assertThat(s.samples()).isEqualTo(3);
        assertThat(s.target()).isEqualTo("agent/a");
        assertThat(s.version()).hasSize(12);
        assertThat(s.cases().get(0).messages().get(0).path("content").asText()).isEqualTo("hi");
        assertThat(s.cases().get(0).graders()).extracting(GraderSpec::kind).containsExactly(GraderSpec.Kind.CONTAINS);
        assertThat(s.cases().get(1).graders()).hasSize(5);
        assertThat(s.cases().get(1).variables()).containsEntry("who", "Ada");
        assertThat(s.cases().get(1).tools()).hasSize(1);
        assertThat(parse("cases: [{input: x, graders: [{json: true}]}]").cases().get(0).id()).isEqualTo("case-1");
    }

    @Test
    void namesEachMistake() {
        assertThatThrownBy(() -> parse("cases: []")).hasMessageContaining("cases").hasMessageContaining("at least");
        assertThatThrownBy(() -> parse("cases: [{input: x}]")).hasMessageContaining("no graders");
        assertThatThrownBy(() -> parse("cases: [{input: x, graders: [{exact: true}]}]"))
                .hasMessageContaining("expected, which it has not");
        assertThatThrownBy(() -> parse("cases: [{input: x, graders: [{regex: '('}]}]"))
                .hasMessageContaining("not a regular expression");
        assertThatThrownBy(() -> parse("cases: [{input: x, messages: [{role: user, content: y}], graders: "
                + "[{json: true}]}]")).hasMessageContaining("not both");
        assertThatThrownBy(() -> parse("cases: [{id: a, input: x, graders: [{json: true}]}, {id: a, input: y, "
                + "graders: [{json: true}]}]")).hasMessageContaining("'a' is the id of an earlier case");
        assertThatThrownBy(() -> parse("cases: [{messages: [{role: robot, content: y}], graders: [{json: true}]}]"))
                .hasMessageContaining("robot");
        assertThatThrownBy(() -> parse("cases: [{input: x, graders: [{numeric: {tolerance: 1}}]}]"))
                .hasMessageContaining("numeric compares with the case's expected");
        assertThatThrownBy(() -> parse("samples: 10000\ncases: [" + "{input: x, graders: [{json: true}]},"
                .repeat(11) + "]")).hasMessageContaining("more than " + EvalSection.MAX_REQUESTS);
        assertThatThrownBy(() -> parse("cases: [{input: x, graders: [{llm_judge: {model: m}}]}]"))
                .hasMessageContaining("rubric");
        assertThatThrownBy(() -> parse("smaples: 3\ncases: [{input: x, graders: [{json: true}]}]"))
                .hasMessageContaining("smaples").hasMessageContaining("unknown setting");
    }
}
