package dev.sluice.routing.agents;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;

/**
 * What an agent's {@code agent.yaml} says: who owns it, which model alias serves it and with which parameters, which
 * teams may use it, whether a promotion needs a second owner's approval, which evaluation gate a promotion must pass,
 * and the owner of each context file.
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
 * @param gate          the evaluation gate a promotion must pass, or null
 * @param contextOwners each context file's owner, by file name
 */
public record AgentSettings(String name, String description, List<String> owners, String model, Double temperature,
                            int maxTokens, Double topP, List<String> teams, boolean reviewRequired, String gate,
                            Map<String, String> contextOwners) {
    public AgentSettings {
        requireNonNull(name, "name");
        owners = List.copyOf(owners);
        requireNonNull(model, "model");
        teams = List.copyOf(teams);
        contextOwners = Map.copyOf(contextOwners);
    }
}
