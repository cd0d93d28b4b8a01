package dev.sluice.routing.evals;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * One case of an evaluation set: the conversation sent (OpenAI chat messages), the agent's variables, what is
 * expected, and the graders that must all pass for an answer to pass.
 *
 * @param id        the case's name, unique in its set
 * @param messages  the messages, a JSON array of {@code {role, content}}
 * @param tools     the tools offered (OpenAI chat {@code tools}), or null
 * @param variables an agent's variables (empty for a model alias)
 * @param expected  the expected answer, or null
 * @param graders   at least one
 */
public record EvalCase(String id, JsonNode messages, JsonNode tools, Map<String, String> variables, String expected,
                       List<GraderSpec> graders) {
    public EvalCase {
        requireNonNull(id, "id");
        requireNonNull(messages, "messages");
        variables = Map.copyOf(variables);
        graders = List.copyOf(graders);
    }
}
