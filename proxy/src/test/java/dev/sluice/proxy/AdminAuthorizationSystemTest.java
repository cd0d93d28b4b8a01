package dev.sluice.proxy;

import static dev.sluice.proxy.AdminFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * RELIABILITY.md E4: object- and function-level authorization on the admin API. Every role (gateway admin, the
 * admin of team alpha, of team beta, no token, a wrong token) tries every operation, on its own team's objects and
 * on the other team's; each cell's status is checked, each refusal must leave the object unchanged and produce an
 * audit record. Reports the matrix and "0 bypasses".
 */
@Timeout(180)
class AdminAuthorizationSystemTest {
    private static final String BAD_TOKEN = "sluice-admin-canary-wrong-0000";

    private static final Role[] ORDER = {Role.NO_TOKEN, Role.WRONG_TOKEN, Role.TEAM_ALPHA, Role.TEAM_BETA, Role.ADMIN};

    private AdminFixture fx;
    private ConfigReloader reloader;

    @AfterEach
    void stop() {
        if (reloader != null) {
            reloader.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private enum Role {
        ADMIN(ADMIN_TOKEN, "alpha"), TEAM_ALPHA(AdminFixture.ALPHA_TOKEN, "alpha"),
        TEAM_BETA(AdminFixture.BETA_TOKEN, "beta"), NO_TOKEN(null, "alpha"), WRONG_TOKEN(
                AdminAuthorizationSystemTest.BAD_TOKEN, "alpha");

        final String token;
        /** The team whose models the "create with models the team lacks" cell asks for. */
        final String ownTeam;

        Role(String token, String ownTeam) {
            this.token = token;
            this.ownTeam = ownTeam;
        }
    }

    /** One cell's outcome: the status, and whether a refused request changed anything anyway. */
    private record Cell(int status, boolean sideEffect) {
    }

    private interface Operation {
        Cell run(Role role);
    }

    @Test
    void shouldAllowEachRoleOnlyItsOwnObjectsAndFunctions() throws Exception {
        fx = AdminFixture.start();
        Path conf = fx.gw.dataDir().getParent().resolve("sluice.yaml");
        reloader = ConfigReloader.start(fx.gw.gateway(), conf, Map.of(), false);

        Map<String, Operation> ops = new LinkedHashMap<>();
        Map<String, int[]> expected = new LinkedHashMap<>();
        // Expected statuses in Role order: admin, team alpha, team beta, no token, wrong token.
        ops.put("list keys", this::list);
        expected.put("list keys", new int[] {200, 200, 200, 401, 401});
        ops.put("create for alpha", r -> create(r, "{\"team\":\"alpha\",\"models\":[\"m1\"]}"));
        expected.put("create for alpha", new int[] {201, 201, 403, 401, 401});
        ops.put("create for beta", r -> create(r, "{\"team\":\"beta\",\"models\":[\"m3\"]}"));
        expected.put("create for beta", new int[] {201, 403, 201, 401, 401});
        ops.put("create, team lacks model", r -> create(r, "{\"team\":\"" + r.ownTeam + "\",\"models\":[\""
                + (r.ownTeam.equals("alpha") ? "m3" : "m1") + "\"]}"));
        expected.put("create, team lacks model", new int[] {403, 403, 403, 401, 401});
        ops.put("create, team lacks endpoint", r -> create(r, "{\"team\":\"" + r.ownTeam + "\",\"models\":[\""
                + (r.ownTeam.equals("alpha") ? "m1" : "m3") + "\"],\"endpoints\":[\"embeddings\"]}"));
        expected.put("create, team lacks endpoint", new int[] {403, 403, 403, 401, 401});
        ops.put("revoke alpha's key", r -> change(r, "alpha", "m1", "revoke"));
        expected.put("revoke alpha's key", new int[] {200, 200, 404, 401, 401});
        ops.put("rotate beta's key", r -> change(r, "beta", "m3", "rotate"));
        expected.put("rotate beta's key", new int[] {200, 404, 200, 401, 401});
        ops.put("disable beta's key", r -> change(r, "beta", "m3", "disable"));
        expected.put("disable beta's key", new int[] {200, 404, 200, 401, 401});
        ops.put("revoke beta's conf key", this::revokeConfBeta);
        expected.put("revoke beta's conf key", new int[] {200, 404, 200, 401, 401});
        ops.put("reload config", r -> function(r, "POST", "/admin/reload"));
        expected.put("reload config", new int[] {200, 403, 403, 401, 401});
        ops.put("read config", r -> function(r, "GET", "/admin/config"));
        expected.put("read config", new int[] {200, 403, 403, 401, 401});
        ops.put("read routes", r -> function(r, "GET", "/admin/routes"));
        expected.put("read routes", new int[] {200, 403, 403, 401, 401});

        int cells = 0;
        int bypasses = 0;
        int wrong = 0;
        int unaudited = 0;
        List<String> problems = new ArrayList<>();
        Map<String, String[]> matrix = new LinkedHashMap<>();
        for (Map.Entry<String, Operation> op : ops.entrySet()) {
            String[] row = new String[Role.values().length];
            // Refused roles first, so a refusal is tried on an object nobody has changed yet.
            for (Role role : ORDER) {
                int want = expected.get(op.getKey())[role.ordinal()];
                int deniedBefore = denied();
                Cell got = op.getValue().run(role);
                cells++;
                boolean refused = want / 100 != 2;
                if (refused && (got.status / 100 == 2 || got.sideEffect)) {
                    bypasses++;
                    problems.add("BYPASS " + role + " " + op.getKey() + " -> " + got);
                }
                if (got.status != want) {
                    wrong++;
                    problems.add("status " + role + " " + op.getKey() + " -> " + got.status + " (expected " + want + ")");
                }
                if (refused && !awaitDenied(deniedBefore)) {
                    unaudited++;
                    problems.add("no audit record: " + role + " " + op.getKey());
                }
                row[role.ordinal()] = got.status + (got.status != want || got.sideEffect && refused ? "!" : "");
            }
            matrix.put(op.getKey(), row);
        }

        StringBuilder report = new StringBuilder(String.format("%-28s", "E4 operation \\ role"));
        for (Role r : Role.values()) {
            report.append(String.format("%12s", r.name().toLowerCase()));
        }
        report.append('\n');
        matrix.forEach((op, row) -> {
            report.append(String.format("%-28s", op));
            for (String c : row) {
                report.append(String.format("%12s", c));
            }
            report.append('\n');
        });
        report.append(String.format("E4 endpoint x role x foreign-object matrix: %d cells, %d bypasses,"
                + " %d wrong statuses, %d refusals without an audit record%n", cells, bypasses, wrong, unaudited));
        System.out.print(report);
        assertThat(problems).as(report.toString()).isEmpty();
        assertThat(bypasses).isZero();
    }

    @Test
    void shouldAnswerForeignAndMissingKeysAlikeAndRefuseWithOneUniformBody() throws Exception {
        fx = AdminFixture.start();
        fx.create("{\"id\":\"beta-svc\",\"team\":\"beta\"}");
        HttpResponse<String> foreign = fx.admin("POST", "/admin/keys/beta-svc/revoke", AdminFixture.ALPHA_TOKEN, null);
        HttpResponse<String> missing = fx.admin("POST", "/admin/keys/no-such-key/revoke", AdminFixture.ALPHA_TOKEN,
                null);
        assertThat(foreign.statusCode()).isEqualTo(404);
        assertThat(foreign.body()).isEqualTo(missing.body());

        Set<String> bodies = new LinkedHashSet<>();
        for (String token : new String[] {null, BAD_TOKEN, "", ADMIN_TOKEN + "x", ADMIN_TOKEN.substring(0, 12),
                ADMIN_TOKEN.toUpperCase()}) {
            for (String[] call : new String[][] {{"GET", "/admin/keys"}, {"POST", "/admin/keys/beta-svc/revoke"},
                    {"GET", "/admin/config"}, {"POST", "/admin/reload"}, {"GET", "/admin/nothing-here"}}) {
                HttpResponse<String> r = fx.admin(call[0], call[1], token, call[0].equals("POST") ? "{}" : null);
                assertThat(r.statusCode()).as(call[1] + " with " + token).isEqualTo(401);
                bodies.add(r.body());
            }
        }
        assertThat(bodies).hasSize(1);
        assertThat(bodies.iterator().next()).contains("unauthorized").doesNotContain(ADMIN_TOKEN);
        // /healthz and /metrics stay open for probes.
        assertThat(fx.admin("GET", "/healthz", null, null).statusCode()).isEqualTo(200);
        assertThat(fx.admin("GET", "/metrics", null, null).statusCode()).isEqualTo(200);
        // The key survived every attempt.
        assertThat(state("beta-svc")).isEqualTo("active");
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> fx.audit.stream()
                .filter(a -> a.startsWith("invalid-token ") || a.startsWith("anonymous ")).count() >= 30);
        assertThat(fx.audit).contains("team:alpha keys.revoke beta-svc denied");
    }

    private Cell list(Role role) {
        HttpResponse<String> r = fx.admin("GET", "/admin/keys", role.token, null);
        boolean foreign = false;
        if (r.statusCode() == 200 && role.token != null && !role.equals(Role.ADMIN)) {
            String other = role == Role.TEAM_ALPHA ? "beta" : "alpha";
            for (JsonNode k : AdminFixture.json(r.body()).path("keys")) {
                foreign |= other.equals(k.path("team").asText());
            }
            // A team admin sees its own configuration key.
            assertThat(r.body()).contains(role == Role.TEAM_ALPHA ? "conf-alpha" : "conf-beta");
        }
        return new Cell(r.statusCode(), foreign);
    }

    private Cell create(Role role, String body) {
        int before = keyCount();
        HttpResponse<String> r = fx.admin("POST", "/admin/keys", role.token, body);
        boolean created = keyCount() != before;
        if (r.statusCode() == 201) {
            JsonNode k = AdminFixture.json(r.body());
            assertThat(fx.chat(k.path("secret").asText(), k.path("models").get(0).asText())).isEqualTo(200);
        }
        return new Cell(r.statusCode(), r.statusCode() != 201 && created);
    }

    private Cell change(Role role, String team, String model, String verb) {
        JsonNode victim = fx.create("{\"team\":\"" + team + "\",\"models\":[\"" + model + "\"]}");
        String id = victim.path("id").asText();
        String secret = victim.path("secret").asText();
        HttpResponse<String> r = fx.admin("POST", "/admin/keys/" + id + "/" + verb, role.token, "{}");
        int after = fx.chat(secret, model);
        boolean changed = after != 200 || !state(id).equals("active");
        if (r.statusCode() == 200) {
            assertThat(changed).as(verb + " by " + role + " had no effect").isTrue();
        }
        return new Cell(r.statusCode(), r.statusCode() != 200 && changed);
    }

    private Cell revokeConfBeta(Role role) {
        // The configuration key is revoked at most once; once it is, the later cells test a revoked key.
        boolean wasActive = fx.chat(AdminFixture.CONF_BETA_SECRET, "m2") == 200;
        HttpResponse<String> r = fx.admin("POST", "/admin/keys/conf-beta/revoke", role.token, "{}");
        boolean changed = wasActive && fx.chat(AdminFixture.CONF_BETA_SECRET, "m2") != 200;
        return new Cell(r.statusCode(), r.statusCode() != 200 && changed);
    }

    private Cell function(Role role, String method, String path) {
        String version = fx.gw.gateway().config().version();
        HttpResponse<String> r = fx.admin(method, path, role.token, method.equals("POST") ? "{}" : null);
        boolean leaked = r.statusCode() != 200 && r.body().contains(version);
        return new Cell(r.statusCode(), leaked || !fx.gw.gateway().config().version().equals(version));
    }

    private int keyCount() {
        return AdminFixture.json(fx.admin("GET", "/admin/keys", ADMIN_TOKEN, null).body()).path("keys").size();
    }

    private String state(String id) {
        for (JsonNode k : AdminFixture.json(fx.admin("GET", "/admin/keys", ADMIN_TOKEN, null).body()).path("keys")) {
            if (id.equals(k.path("id").asText())) {
                return k.path("state").asText();
            }
        }
        throw new AssertionError("no key " + id);
    }

    private int denied() {
        return (int) fx.audit.stream().filter(a -> a.endsWith(" denied")).count();
    }

    private boolean awaitDenied(int before) {
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                    .until(() -> denied() > before);
            return true;
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return false;
        }
    }
}
