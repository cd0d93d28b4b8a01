package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.StoredKey;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

class GovernanceConfigTest {
    private static final long NOW = Instant.parse("2026-03-10T12:00:00Z").toEpochMilli();
    private static final String ALICE = KeyDigester.sha256Hex("sk-alice");
    private static final String BOB = KeyDigester.sha256Hex("sk-bob");
    private static final String CAROL = KeyDigester.sha256Hex("sk-carol");
    private static final String TEAM_ADMIN = KeyDigester.sha256Hex("team-admin-secret");

    private static final String GOV = String.join("\n",
            "governance:",                                                          // 1
            "  timezone: Europe/Paris",                                             // 2
            "  default_max_output_tokens: 2048",                                    // 3
            "admin:",                                                               // 4
            "  token: ${ADMIN_TOKEN:-}",                                            // 5
            "providers:",                                                           // 6
            "  mock: {kind: openai, base_url: mock}",                               // 7
            "models:",                                                              // 8
            "  demo: {provider: mock, model: mock-gpt, price: {input: 1, output: 2}, limits: {requests_per_minute: 1000}}", // 9
            "  other: {provider: mock, model: mock-other, price: {input: 1, output: 2}}", // 10
            "  third: {provider: mock, model: mock-third, price: {input: 1, output: 2}}", // 11
            "teams:",                                                               // 12
            "  research:",                                                          // 13
            "    models: [demo, other]",                                            // 14
            "    endpoints: [chat_completions, messages]",                          // 15
            "    limits: {requests_per_minute: 600, tokens_per_minute: 100000, concurrent: 20}", // 16
            "    budget: {period: month, hard: 100.00, soft: 80.00}",               // 17
            "    admin_token_hash: sha256:" + TEAM_ADMIN,                           // 18
            "  ops:",                                                               // 19
            "    disabled: true",                                                   // 20
            "projects:",                                                            // 21
            "  apollo: {budget: {period: week, hard: 50}, limits: {concurrent: 4}}", // 22
            "  free: {}",                                                           // 23
            "keys:",                                                                // 24
            "  - id: alice",                                                        // 25
            "    hash: sha256:" + ALICE,                                            // 26
            "    team: research",                                                   // 27
            "    user: alice",                                                      // 28
            "    models: [demo, third]",                                            // 29
            "    endpoints: [chat.completions, embeddings]",                        // 30
            "    expires: 2027-01-01T00:00:00Z",                                    // 31
            "    require_tags: [project, use_case]",                                // 32
            "    project: apollo",                                                  // 33
            "    use_case: chat",                                                   // 34
            "    limits: {requests_per_minute: 60}",                                // 35
            "    budget: {period: day, hard: 5}",                                   // 36
            "  - id: bob",                                                          // 37
            "    hash: sha256:" + BOB,                                              // 38
            "    team: ops",                                                        // 39
            "  - id: carol",                                                        // 40
            "    hash: sha256:" + CAROL,                                            // 41
            "    team: research",                                                   // 42
            "    disabled: true",                                                   // 43
            "redis:",                                                               // 44
            "  uri: redis://127.0.0.1:6379",                                        // 45
            "  on_failure: open",                                                   // 46
            "");

    private static GatewayConfig parse(String text, Map<String, String> env) throws ConfigException {
        return ConfigLoader.parse("g.yaml", text, env, null, NOW);
    }

    private static ApiKey key(GatewayConfig c, String secret) {
        return c.keys().lookup(new KeyDigester().digest(secret, 0, secret.length()));
    }

    private static byte[] digest(String secret) {
        return StoredKeys.digestOf(KeyDigester.sha256Hex(secret));
    }

    @Test
    void shouldParseGovernanceTeamsProjectsKeysAndRedis() throws Exception {
        GatewayConfig c = parse(GOV, Map.of("ADMIN_TOKEN", "root-secret"));
        assertThat(c.governance().zone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(c.governance().defaultMaxOutputTokens()).isEqualTo(2048);
        assertThat(c.adminTokenDigest()).isEqualTo(digest("root-secret"));
        assertThat(c.isAdminToken(digest("root-secret"))).isTrue();
        assertThat(c.isAdminToken(digest("root-secreT"))).isFalse();
        assertThat(c.teamForAdminToken(digest("team-admin-secret")).name()).isEqualTo("research");
        assertThat(c.teamForAdminToken(digest("root-secret"))).isNull();
        assertThat(c.redis()).isEqualTo(new RedisSettings("redis://127.0.0.1:6379", true, "sluice"));

        Team research = c.team("research");
        assertThat(research.limits()).isEqualTo(new Limits(600, 100_000, 20));
        assertThat(research.budget()).isEqualTo(new Budget(BudgetPeriod.MONTH, 100_000_000, 80_000_000));
        assertThat(c.team("ops").disabled()).isTrue();
        assertThat(c.projects().get("apollo").budget()).isEqualTo(new Budget(BudgetPeriod.WEEK, 50_000_000, -1));
        assertThat(c.projects().get("free").scope()).isNull();
        assertThat(c.modelLimits()).containsOnlyKeys("demo");

        ApiKey alice = key(c, "sk-alice");
        assertThat(alice.id()).isEqualTo("alice");
        assertThat(alice.team()).isEqualTo("research");
        assertThat(alice.teamConfig()).isSameAs(research);
        assertThat(alice.expiresAtMs()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z").toEpochMilli());
        assertThat(alice.requireProject()).isTrue();
        assertThat(alice.requireUseCase()).isTrue();
        assertThat(alice.defaultProject()).isEqualTo("apollo");
        assertThat(alice.defaultUseCase()).isEqualTo("chat");
        assertThat(alice.budget()).isEqualTo(new Budget(BudgetPeriod.DAY, 5_000_000, -1));
        assertThat(alice.runtime()).isFalse();
        // Without an admin token variable, there is no admin token.
        assertThat(parse(GOV, Map.of()).adminTokenDigest()).isNull();
    }

    @Test
    void shouldIntersectKeyAndTeamAccessAndReportStatus() throws Exception {
        GatewayConfig c = parse(GOV, Map.of());
        Route demo = c.routes().lookup("demo");
        Route other = c.routes().lookup("other");
        Route third = c.routes().lookup("third");
        ApiKey alice = key(c, "sk-alice");
        // Key allows demo and third, team allows demo and other: only demo is left.
        assertThat(alice.allows(demo)).isTrue();
        assertThat(alice.allows(other)).isFalse();
        assertThat(alice.allows(third)).isFalse();
        // Key allows chat and embeddings, team chat and messages: only chat is left.
        assertThat(alice.allowsEndpoint(Endpoint.CHAT_COMPLETIONS)).isTrue();
        assertThat(alice.allowsEndpoint(Endpoint.EMBEDDINGS)).isFalse();
        assertThat(alice.allowsEndpoint(Endpoint.MESSAGES)).isFalse();
        assertThat(alice.allowsEndpoint(Endpoint.RESPONSES)).isFalse();
        // Without models:, a key of a declared team takes the team's models.
        ApiKey carol = key(c, "sk-carol");
        assertThat(carol.allows(demo)).isTrue();
        assertThat(carol.allows(other)).isTrue();
        assertThat(carol.allows(third)).isFalse();
        assertThat(carol.allowsEndpoint(Endpoint.MESSAGES)).isTrue();

        assertThat(alice.status(NOW)).isEqualTo(ApiKey.ACTIVE);
        long expiry = Instant.parse("2027-01-01T00:00:00Z").toEpochMilli();
        assertThat(alice.status(expiry - 1)).isEqualTo(ApiKey.ACTIVE);
        assertThat(alice.status(expiry)).isEqualTo(ApiKey.EXPIRED);
        assertThat(carol.status(NOW)).isEqualTo(ApiKey.DISABLED);
        assertThat(key(c, "sk-bob").status(NOW)).isEqualTo(ApiKey.TEAM_DISABLED);
        assertThat(key(c, "sk-alicE")).isNull();
    }

    @Test
    void shouldListOnlyTheScopesThatGovern() throws Exception {
        GatewayConfig c = parse(GOV, Map.of());
        ApiKey alice = key(c, "sk-alice");
        Route demo = c.routes().lookup("demo");
        List<Scope> scopes = c.scopes(alice, "apollo", demo);
        assertThat(scopes).extracting(Scope::counterKey)
                .containsExactly("key:alice", "team:research", "model:demo", "project:apollo");
        assertThat(scopes.get(2).limits().requestsPerMinute()).isEqualTo(1000);
        assertThat(scopes.get(3).budget().period()).isEqualTo(BudgetPeriod.WEEK);
        // bob's key and team have no limits, "other" has none, "free" has none, "nope" is no project.
        ApiKey bob = key(c, "sk-bob");
        assertThat(c.scopes(bob, "free", c.routes().lookup("other"))).isEmpty();
        assertThat(c.scopes(bob, "nope", demo)).extracting(Scope::counterKey).containsExactly("model:demo");
        assertThat(c.scopes(null, null, null)).isEmpty();
    }

    @Test
    void shouldReportGovernanceMistakesWithFileLineAndField() {
        assertError(GOV.replace("Europe/Paris", "Mars/Olympus"), 2, "governance.timezone", "time zone");
        assertError(GOV.replace("team: ops", "team: opz"), 39, "keys[1].team", "'opz' is not a team");
        assertError(GOV.replace("[chat_completions, messages]", "[chat_completions, chat]"), 15,
                "teams.research.endpoints[1]", "'chat' (expected one of: chat_completions");
        assertError(GOV.replace("period: month", "period: year"), 17, "teams.research.budget.period",
                "(expected: day, week or month)");
        assertError(GOV.replace("soft: 80.00", "soft: 180.00"), 17, "teams.research.budget.soft", "above hard");
        assertError(GOV.replace("concurrent: 20", "concurent: 20"), 16, "teams.research.limits.concurent",
                "unknown setting");
        assertError(GOV.replace("on_failure: open", "on_failure: maybe"), 46, "redis.on_failure", "closed");
        assertError(GOV.replace("2027-01-01T00:00:00Z", "next year"), 31, "keys[0].expires", "an instant");
        assertError(GOV.replace("[project, use_case]", "[project, usecase]"), 32, "keys[0].require_tags[1]",
                "'usecase'");
        assertError(GOV.replace("models: [demo, other]", "models: [demo, nope]"), 14, "teams.research.models[1]",
                "'nope' is not a model alias");
        assertError(GOV.replace("admin:\n", "admins:\n"), 5, "admins", "unknown setting");
        assertError(GOV.replace("  token: ${ADMIN_TOKEN:-}", "  token: x\n  token_hash: sha256:" + ALICE), 6,
                "admin.token_hash", "cannot be combined");
        assertError(GOV.replace("budget: {period: day, hard: 5}", "budget: {period: day}"), 36, "keys[0].budget",
                "needs hard");
        assertError(GOV.replace("limits: {requests_per_minute: 1000}", "limits: {requests_per_minute: -1}"), 9,
                "models.demo.limits.requests_per_minute", "(expected: 0-");
    }

    private static void assertError(String text, int line, String field, String message) {
        assertThatThrownBy(() -> parse(text, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.getMessage()).startsWith("g.yaml:" + line + ": ").contains(message);
                });
    }

    private static StoredKey stored(String id, String secret, String team, List<String> models, boolean revoked) {
        return new StoredKey(id, KeyDigester.sha256Hex(secret), "u-" + id, team, models, null, Long.MAX_VALUE, false,
                revoked, null, null, List.of(), new Limits(10, -1, -1), null, NOW);
    }

    @Test
    void shouldMergeRuntimeKeysRevokeConfigurationKeysAndKeepUnknownPartsClosed() throws Exception {
        GatewayConfig c = parse(GOV, Map.of());
        Route demo = c.routes().lookup("demo");
        GatewayConfig merged = c.withRuntimeKeys(List.of(
                stored("dave", "sk-dave", "research", List.of("demo"), false),
                stored("alice", "sk-alice", "research", null, true),
                stored("erin", "sk-erin", "research", List.of("demo", "gone"), false),
                stored("frank", "sk-frank", "nowhere", null, false),
                stored("gina", "sk-carol", "research", null, false)));
        ApiKey dave = key(merged, "sk-dave");
        assertThat(dave.runtime()).isTrue();
        assertThat(dave.allows(demo)).isTrue();
        assertThat(dave.allows(merged.routes().lookup("other"))).isFalse();
        assertThat(merged.scopes(dave, null, demo)).extracting(Scope::counterKey)
                .containsExactly("key:dave", "team:research", "model:demo");
        // A revoked stored key with a configuration key's id revokes it.
        assertThat(key(merged, "sk-alice")).isNull();
        assertThat(key(c, "sk-alice")).isNotNull();
        // An unknown model allows nothing, the known one still works.
        ApiKey erin = key(merged, "sk-erin");
        assertThat(erin.allows(demo)).isTrue();
        // An unknown team allows nothing at all.
        ApiKey frank = key(merged, "sk-frank");
        assertThat(frank.allows(demo)).isFalse();
        assertThat(frank.allowsEndpoint(Endpoint.CHAT_COMPLETIONS)).isFalse();
        // The same secret as another key: skipped.
        assertThat(key(merged, "sk-carol").id()).isEqualTo("carol");
        assertThat(merged.keyWarnings()).hasSize(3)
                .anySatisfy(w -> assertThat(w).contains("erin").contains("'gone'"))
                .anySatisfy(w -> assertThat(w).contains("frank").contains("'nowhere'"))
                .anySatisfy(w -> assertThat(w).contains("gina").contains("same hash"));
        assertThat(merged.storedKeys()).hasSize(5);

        // A reload keeps the runtime keys, resolved against the new snapshot.
        GatewayConfig reloaded = parse(GOV, Map.of()).keepRuntimeOf(merged);
        assertThat(key(reloaded, "sk-dave").allows(reloaded.routes().lookup("demo"))).isTrue();
        assertThat(key(reloaded, "sk-alice")).isNull();
        assertThat(key(reloaded.bind(0, 0, 0).withDataDir(java.nio.file.Path.of("x")), "sk-dave")).isNotNull();

        assertThat(c.checkStoredKey(stored("h", "sk-h", "research", List.of("demo"), false))).isNull();
        assertThat(c.checkStoredKey(stored("h", "sk-h", "nowhere", null, false))).contains("'nowhere'");
        assertThat(c.checkStoredKey(stored("h", "sk-h", "research", List.of("gone"), false))).contains("'gone'");
        assertThat(c.checkStoredKey(stored("h", "sk-alice", "research", null, false))).contains("same secret");
    }

    @Test
    void shouldKeepTheOldBehaviourWithoutTeams() throws Exception {
        String text = String.join("\n",
                "providers:",
                "  mock: {kind: openai, base_url: mock}",
                "models:",
                "  demo: {provider: mock, model: mock-gpt}",
                "keys:",
                "  - {id: k, hash: 'sha256:" + ALICE + "', team: anything, models: [demo]}",
                "  - {id: none, hash: 'sha256:" + BOB + "'}",
                "");
        GatewayConfig c = parse(text, Map.of());
        ApiKey k = key(c, "sk-alice");
        assertThat(k.team()).isEqualTo("anything");
        assertThat(k.teamConfig()).isNull();
        assertThat(k.allows(c.routes().lookup("demo"))).isTrue();
        assertThat(k.allowsEndpoint(Endpoint.MESSAGES)).isTrue();
        assertThat(key(c, "sk-bob").allows(c.routes().lookup("demo"))).isFalse();
        assertThat(c.redis()).isNull();
        assertThat(c.governance()).isEqualTo(GovernanceSettings.DEFAULTS);
        assertThat(c.scopes(k, "p", c.routes().lookup("demo"))).isEmpty();
        // A stored key naming any team is free text, as configuration keys are.
        GatewayConfig merged = c.withRuntimeKeys(List.of(stored("s", "sk-s", "whatever", null, false)));
        assertThat(key(merged, "sk-s").allows(c.routes().lookup("demo"))).isTrue();
        assertThat(merged.keyWarnings()).isEmpty();
    }
}
