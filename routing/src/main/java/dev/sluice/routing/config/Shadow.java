package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;

/**
 * A model alias's shadow declaration ({@code models.<alias>.shadow: {target, sample, budget}}): a share of the
 * alias's live requests is also sent to another alias, the candidate, whose answer the client never sees. Shadow
 * requests are billed to their own scope ({@code shadow:<source>}), whose hard budget caps them, and to no key,
 * team, project, model or agent budget. Thread-safe (immutable).
 *
 * @param source the alias that declares it
 * @param target the alias shadow copies go to
 * @param sample the share of the source's requests copied, in (0, 1]
 * @param budget the shadow scope's budget; its hard cap is required
 */
public record Shadow(String source, String target, double sample, Budget budget) {
    /** The kind of the shadow scopes' counters ({@code shadow:<source>}). */
    public static final String SCOPE_KIND = "shadow";
    /** The use case shadow requests are journaled with. */
    public static final String USE_CASE = "shadow";

    public Shadow {
        requireNonNull(source, "source");
        requireNonNull(target, "target");
        requireNonNull(budget, "budget");
        if (!(sample > 0 && sample <= 1)) {
            throw new IllegalArgumentException("sample: " + sample + " (expected: above 0, at most 1)");
        }
    }

    /** The scope shadow requests of this declaration are admitted against: its budget, no rate limits. */
    public Scope scope() {
        return new Scope(SCOPE_KIND, source, Limits.NONE, budget);
    }
}
