package dev.sluice.routing.agents;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.Shadow;

import java.util.List;
import java.util.Map;

/**
 * What an agent's {@code agent.yaml} says: who owns it, which model alias serves it and with which parameters, which
 * teams may use it, whether a promotion needs a second owner's approval, which evaluation gate a promotion must pass,
 * the owner of each context file, what the journal keeps of its requests' content, and the limits and budget of all
 * the agent's requests together.
 *
 * @param name          the agent's name (its directory under {@code conf/agents/})
 * @param description   free text, or null
 * @param owners        who may promote it (at least one)
 * @param model         the model alias that serves it
 * @param temperature   the temperature every request is sent with, or null (the caller's)
 * @param maxTokens     the most output tokens a request may ask for, or 0 (the caller's)
 * @param topP          the top_p every request is sent with, or null (the caller's)
 * @param teams         the teams whose keys may use it; empty: any key the agent is granted to
 * @param reviewRequired whether a promotion needs the approval of a second owner
 * @param gate          the named evaluation gate a promotion must pass (a hook in place in the gateway), or null
 * @param evalGate      the evaluation set a version must have passed (a recorded run) to be promoted, or null
 * @param contextOwners each context file's owner, by file name
 * @param capture       what the journal keeps of its requests' content (under the team's ceiling), or null (the
 *                      alias's, the key's, the team's or the global setting)
 * @param limits        requests and tokens per minute and concurrency of all the agent's requests together
 * @param budget        the agent's budget, or null
 * @param shadow        the agent's shadow declaration ({@code shadow: {target, sample, budget}}), or null: a share
 *                      of its rendered requests also sent to another model alias
 */
public record AgentSettings(String name, String description, List<String> owners, String model, Double temperature,
                            int maxTokens, Double topP, List<String> teams, boolean reviewRequired, String gate,
                            EvalGate evalGate, Map<String, String> contextOwners, CaptureLevel capture, Limits limits,
                            Budget budget, Shadow shadow) {
    /**
     * {@code gate: {eval: SET, min_pass_rate: R, no_regression: true}}: a version is promoted only after a recorded
     * run of evaluation set {@code SET} (as its file is now) on that very version passed at least {@code R}, and,
     * with {@code noRegression}, was not significantly worse than the production version's recorded run.
     *
     * @param set          the evaluation set's name
     * @param minPassRate  the least pass rate
     * @param noRegression whether a significant drop against production refuses the promotion
     */
    public record EvalGate(String set, double minPassRate, boolean noRegression) {
        public EvalGate {
            requireNonNull(set, "set");
        }
    }

    public AgentSettings {
        requireNonNull(limits, "limits");
        requireNonNull(name, "name");
        owners = List.copyOf(owners);
        requireNonNull(model, "model");
        teams = List.copyOf(teams);
        contextOwners = Map.copyOf(contextOwners);
    }

    /**
     * A new admission scope ({@code agent:NAME}) of these limits and budget, or null when there are none; an
     * {@link AgentVersion} makes it once.
     */
    public Scope scope() {
        return limits.isNone() && budget == null ? null : new Scope("agent", name, limits, budget);
    }
}
