package dev.sluice.routing.policy;

import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.Price;
import dev.sluice.routing.config.Route;

import java.util.ArrayList;
import java.util.List;

/**
 * What a request asks of admission, as pure functions of the configuration, the key and what the body says:
 * the scopes whose limits and budgets apply, and the tokens and the worst-case cost reserved against them. The
 * caller estimates the input tokens, asks the admission and does the I/O.
 * <p>
 * Thread-safe (stateless).
 */
public final class AdmissionRequests {
    private AdmissionRequests() {
    }

    /**
     * The scopes a request of {@code key} (tagged {@code project}) to {@code route} is admitted against, most
     * specific first. With {@code keyAlways} (shared counters) the key comes first even without limits of its own,
     * so the shared admission sees a key that another gateway revoked a moment ago. Empty: nothing to admit.
     */
    public static List<Scope> scopes(GatewayConfig config, ApiKey key, String project, Route route,
                                     boolean keyAlways) {
        List<Scope> scopes = config.scopes(key, project, route);
        if (!keyAlways || (!scopes.isEmpty() && scopes.get(0).kind().equals("key"))) {
            return scopes;
        }
        List<Scope> withKey = new ArrayList<>(scopes.size() + 1);
        withKey.add(new Scope("key", key.id(), Limits.NONE, null));
        withKey.addAll(scopes);
        return withKey;
    }

    /** {@code scopes} and {@code extra} after them (an agent's scope). */
    public static List<Scope> with(List<Scope> scopes, Scope extra) {
        List<Scope> out = new ArrayList<>(scopes.size() + 1);
        out.addAll(scopes);
        out.add(extra);
        return out;
    }

    /**
     * Whether the request cannot be admitted at all: a budget caps one of {@code scopes} but {@code route} has no
     * price, so its spending could not be counted.
     */
    public static boolean unpricedUnderBudget(List<Scope> scopes, Route route) {
        if (route.maxPrice() != null) {
            return false;
        }
        for (Scope s : scopes) {
            if (s.budget() != null) {
                return true;
            }
        }
        return false;
    }

    /** The message of the {@code model_unpriced} refusal ({@link #unpricedUnderBudget}). */
    public static String unpricedMessage(Route route) {
        return "The model '" + route.name() + "' has no price, and spending of this key is capped by a budget: it "
                + "cannot be admitted. Give the model a price in the configuration.";
    }

    /**
     * The reservation of one request: its estimated input tokens plus the output it may produce (its own
     * {@code max_tokens}, else the configured default), and what that would cost at the route's dearest price.
     *
     * @param maxTokens the request's {@code max_tokens}, or 0 or less when it names none
     */
    public static AdmissionRequest request(GatewayConfig config, List<Scope> scopes, Route route, long inTokens,
                                           long maxTokens, long nowMs) {
        long maxOut = maxTokens > 0 ? maxTokens : config.governance().defaultMaxOutputTokens();
        Price worst = route.maxPrice();
        long costMicros = worst == null ? 0 : worst.costMicros(inTokens, maxOut, 0, 0);
        return new AdmissionRequest(scopes, inTokens + maxOut, costMicros, nowMs, config.governance().zone());
    }
}
