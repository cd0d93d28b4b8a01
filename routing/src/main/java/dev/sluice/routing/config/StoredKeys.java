package dev.sluice.routing.config;

import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.StoredKey;

import java.util.BitSet;
import java.util.List;
import java.util.regex.Pattern;

/** Turns keys created at run time into {@link ApiKey}s of one snapshot. Thread-safe (stateless). */
final class StoredKeys {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    private StoredKeys() {
    }

    /**
     * Returns why {@code key} cannot be created against this snapshot (a malformed digest, an unknown team, model,
     * endpoint or tag), or {@code null} when it can.
     */
    static String check(StoredKey key, RouteTable routes, Governance gov) {
        if (key.id() == null || key.id().isEmpty()) {
            return "id: missing";
        }
        if (key.digestHex() == null || !HEX64.matcher(key.digestHex()).matches()) {
            return "digest: expected 64 lower-case hex digits";
        }
        if (gov.teamsDeclared && key.team() != null && !gov.teams.containsKey(key.team())) {
            return "team: '" + key.team() + "' is not a team in teams: (expected one of: "
                    + String.join(", ", gov.teams.keySet()) + ")";
        }
        if (gov.teamsDeclared && key.team() == null) {
            return "team: missing (expected one of: " + String.join(", ", gov.teams.keySet()) + ")";
        }
        if (key.models() != null) {
            for (String m : key.models()) {
                if (!m.equals("*") && routes.lookup(m) == null) {
                    return "models: '" + m + "' is not a model alias";
                }
            }
        }
        if (key.endpoints() != null) {
            for (String e : key.endpoints()) {
                if (Endpoints.parse(e) == null) {
                    return "endpoints: '" + e + "' (expected: " + Endpoints.names() + ")";
                }
            }
        }
        if (key.requireTags() != null) {
            for (String t : key.requireTags()) {
                if (!t.equals("project") && !t.equals("use_case")) {
                    return "require_tags: '" + t + "' (expected: project or use_case)";
                }
            }
        }
        if (key.budget() != null && key.budget().period() == null) {
            return "budget.period: missing (expected: " + BudgetPeriod.DAY.configName() + ", "
                    + BudgetPeriod.WEEK.configName() + " or " + BudgetPeriod.MONTH.configName() + ")";
        }
        return null;
    }

    /**
     * Resolves a stored key against this snapshot. An unknown team or model alias or endpoint name is kept with that
     * part allowing nothing, and said in {@code warnings}. Returns {@code null} (with a warning) when the digest is
     * malformed.
     */
    static ApiKey resolve(StoredKey s, RouteTable routes, Governance gov, List<String> warnings) {
        if (s.id() == null || s.id().isEmpty() || s.digestHex() == null || !HEX64.matcher(s.digestHex()).matches()) {
            warnings.add("stored key '" + s.id() + "': malformed digest, ignored");
            return null;
        }
        Team team = null;
        if (s.team() != null && gov.teamsDeclared) {
            team = gov.teams.get(s.team());
            if (team == null) {
                warnings.add("stored key '" + s.id() + "': team '" + s.team() + "' is not in teams:, it allows nothing");
                team = Team.unknown(s.team());
            }
        } else if (s.team() == null && gov.teamsDeclared) {
            warnings.add("stored key '" + s.id() + "': no team while teams: is declared, it allows nothing");
            team = Team.unknown("");
        }
        boolean all = s.models() == null;
        BitSet allowed = new BitSet();
        if (s.models() != null) {
            for (String m : s.models()) {
                if (m.equals("*")) {
                    all = true;
                    continue;
                }
                Route r = routes.lookup(m);
                if (r == null) {
                    warnings.add("stored key '" + s.id() + "': model '" + m + "' is not a model alias, it allows "
                            + "nothing");
                } else {
                    allowed.set(r.index());
                }
            }
        }
        int mask = Endpoints.ALL;
        if (s.endpoints() != null) {
            mask = 0;
            for (String name : s.endpoints()) {
                Endpoint e = Endpoints.parse(name);
                if (e == null) {
                    warnings.add("stored key '" + s.id() + "': endpoint '" + name + "' is unknown, it allows nothing");
                } else {
                    mask |= Endpoints.bit(e);
                }
            }
        }
        List<String> tags = s.requireTags() == null ? List.of() : s.requireTags();
        return ApiKey.builder(s.id(), digestOf(s.digestHex()))
                .user(s.user())
                .team(s.team(), team)
                .models(all, allowed)
                .endpoints(mask)
                .expiresAtMs(s.expiresAtMs() <= 0 ? Long.MAX_VALUE : s.expiresAtMs())
                .disabled(s.disabled())
                .requireTags(tags.contains("project"), tags.contains("use_case"))
                .defaultTags(s.project(), s.useCase())
                .limits(s.limits() == null ? Limits.NONE : s.limits())
                .budget(s.budget())
                .runtime(true)
                .build();
    }

    /** Parses 64 lower-case hex digits. */
    static byte[] digestOf(String hex) {
        byte[] digest = new byte[KeyDigester.DIGEST_BYTES];
        for (int b = 0; b < digest.length; b++) {
            digest[b] = (byte) Integer.parseInt(hex, b * 2, b * 2 + 2, 16);
        }
        return digest;
    }
}
