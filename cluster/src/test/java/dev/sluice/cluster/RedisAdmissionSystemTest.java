package dev.sluice.cluster;

import dev.sluice.routing.admission.BudgetPeriods;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.Scope;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.sluice.cluster.Admissions.decide;
import static dev.sluice.cluster.Admissions.key;
import static dev.sluice.cluster.Admissions.keyWithBudget;
import static dev.sluice.cluster.Admissions.request;
import static dev.sluice.cluster.Admissions.requestsPerMinute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class RedisAdmissionSystemTest {
    private static final String PREFIX = "t";
    private static RedisServer redis;
    private final List<RedisAdmission> admissions = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeAdmissions() {
        admissions.forEach(RedisAdmission::close);
        redis.redis().flushall();
    }

    private RedisAdmission connect() {
        RedisAdmission admission = RedisAdmission.connect(redis.uri(), PREFIX, false, null);
        admissions.add(admission);
        return admission;
    }

    private static Map<String, String> budgetHash(String keyId) {
        long start = BudgetPeriods.startMs(BudgetPeriod.DAY, System.currentTimeMillis(), ZoneOffset.UTC);
        return redis.redis().hgetall(PREFIX + ":budget:key:" + keyId + ":day:" + start);
    }

    @Test
    void shouldRefuseRequestsPastTheRequestsPerMinuteLimit() {
        awaitRoomInWindow();
        RedisAdmission admission = connect();
        for (int i = 0; i < 5; i++) {
            AdmissionDecision decision = decide(admission, request(10, 0, key("k", requestsPerMinute(5))));
            assertThat(decision.admitted()).isTrue();
            assertThat(decision.requests().limit()).isEqualTo(5);
            assertThat(decision.requests().remaining()).isEqualTo(4 - i);
            assertThat(decision.tokens()).isNull();
        }
        AdmissionDecision refused = decide(admission, request(10, 0, key("k", requestsPerMinute(5))));
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.message()).isEqualTo("Rate limit reached for key 'k': 5 requests per minute.");
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 120L);
        assertThat(refused.requests().remaining()).isZero();
        assertThat(refused.requests().resetMs()).isBetween(60_000L, 120_000L);
        assertThat(refused.ticket()).isNull();
        assertThat(admission.health()).isEqualTo("ok");
    }

    @Test
    void shouldRefuseTokensPastTheLimitAndCreditUnusedTokensOnSettle() {
        awaitRoomInWindow();
        RedisAdmission admission = connect();
        Scope scope = key("k", new Limits(-1, 1000, -1));
        AdmissionDecision first = decide(admission, request(400, 0, scope));
        AdmissionDecision second = decide(admission, request(400, 0, scope));
        assertThat(first.admitted()).isTrue();
        assertThat(second.admitted()).isTrue();
        assertThat(second.tokens().remaining()).isEqualTo(200);
        AdmissionDecision third = decide(admission, request(400, 0, scope));
        assertThat(third.code()).isEqualTo("tokens_limit_exceeded");
        assertThat(third.tokens().remaining()).isEqualTo(200);

        admission.settle(first, 100, 0);
        await().atMost(Duration.ofSeconds(60)).until(() -> "500".equals(redis.redis().hget(PREFIX + ":win:key:k", "tc")));
        assertThat(decide(admission, request(400, 0, scope)).admitted()).isTrue();
        assertThat(decide(admission, request(400, 0, scope)).code()).isEqualTo("tokens_limit_exceeded");
        assertThat(redis.redis().hget(PREFIX + ":win:key:k", "tc")).isEqualTo("900");
    }

    @Test
    void shouldRefuseTokensOfARequestLargerThanTheWholeLimit() {
        RedisAdmission admission = connect();
        AdmissionDecision decision = decide(admission, request(2000, 0, key("k", new Limits(-1, 1000, -1))));
        assertThat(decision.code()).isEqualTo("tokens_limit_exceeded");
        assertThat(decision.retryAfterSeconds()).isEqualTo(60);
    }

    @Test
    void shouldCapConcurrentRequestsAndFreeTheSlotOnSettle() {
        RedisAdmission admission = connect();
        Scope scope = key("k", new Limits(-1, -1, 2));
        AdmissionDecision first = decide(admission, request(1, 0, scope));
        assertThat(decide(admission, request(1, 0, scope)).admitted()).isTrue();
        AdmissionDecision third = decide(admission, request(1, 0, scope));
        assertThat(third.code()).isEqualTo("concurrency_limit_exceeded");
        assertThat(third.retryAfterSeconds()).isEqualTo(1);

        admission.settle(first, 1, 0);
        await().atMost(Duration.ofSeconds(60)).until(() -> redis.redis().zcard(PREFIX + ":slots:key:k") == 1);
        assertThat(decide(admission, request(1, 0, scope)).admitted()).isTrue();
    }

    @Test
    void shouldFreeTheSlotsOfACrashedGatewayWhenTheyExpire() {
        RedisAdmission admission = connect();
        // A slot whose expiry has passed, as a gateway that died mid-request leaves it.
        redis.redis().zadd(PREFIX + ":slots:key:k", System.currentTimeMillis() - 1, "dead-1");
        assertThat(decide(admission, request(1, 0, key("k", new Limits(-1, -1, 1)))).admitted()).isTrue();
        assertThat(redis.redis().zrange(PREFIX + ":slots:key:k", 0, -1)).doesNotContain("dead-1").hasSize(1);
    }

    @Test
    void shouldReserveBudgetAndMoveTheReservationToSpentOnSettle() {
        RedisAdmission admission = connect();
        Scope scope = keyWithBudget("k", 1000);
        AdmissionDecision first = decide(admission, request(10, 400, scope));
        assertThat(first.admitted()).isTrue();
        assertThat(decide(admission, request(10, 400, scope)).admitted()).isTrue();
        assertThat(budgetHash("k")).containsEntry("spent", "0").containsEntry("reserved", "800");
        AdmissionDecision refused = decide(admission, request(10, 400, scope));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("budget_exceeded");
        assertThat(refused.retryAfterSeconds()).isBetween(1L, 86_400L);
        assertThat(budgetHash("k")).containsEntry("reserved", "800");

        admission.settle(first, 10, 100);
        await().atMost(Duration.ofSeconds(60)).until(() -> "400".equals(budgetHash("k").get("reserved")));
        assertThat(budgetHash("k")).containsEntry("spent", "100");
        assertThat(decide(admission, request(10, 400, scope)).admitted()).isTrue();
        assertThat(decide(admission, request(10, 200, scope)).code()).isEqualTo("budget_exceeded");
        long start = BudgetPeriods.startMs(BudgetPeriod.DAY, System.currentTimeMillis(), ZoneOffset.UTC);
        long end = BudgetPeriods.endMs(BudgetPeriod.DAY, System.currentTimeMillis(), ZoneOffset.UTC);
        long expiresAt = redis.redis().pexpiretime(PREFIX + ":budget:key:k:day:" + start);
        assertThat(expiresAt).isEqualTo(end + ClusterSettings.BUDGET_GRACE_MS);
    }

    @Test
    void shouldSettleOnceWhenSettledTwice() {
        RedisAdmission admission = connect();
        AdmissionDecision decision = decide(admission, request(10, 400, keyWithBudget("k", 1000)));
        admission.settle(decision, 10, 300);
        admission.settle(decision, 10, 300);
        await().atMost(Duration.ofSeconds(60)).until(() -> "300".equals(budgetHash("k").get("spent")));
        // A second settle, even one that reached Redis, would find no ticket key and change nothing.
        assertThat(redis.redis().keys(PREFIX + ":ticket:*")).isEmpty();
        assertThat(budgetHash("k")).containsEntry("spent", "300").containsEntry("reserved", "0");
    }

    @Test
    void shouldTakeNothingWhenAnyScopeRefuses() {
        awaitRoomInWindow();
        RedisAdmission admission = connect();
        Scope key = new Scope("key", "k", new Limits(10, 10_000, 5), new Budget(BudgetPeriod.DAY, 1000, -1));
        Scope team = new Scope("team", "t1", requestsPerMinute(1), null);
        assertThat(decide(admission, request(100, 200, key, team)).admitted()).isTrue();
        AdmissionDecision refused = decide(admission, request(100, 200, key, team));
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.message()).contains("team 't1'");
        assertThat(refused.requests().limit()).isEqualTo(1);

        assertThat(budgetHash("k")).containsEntry("reserved", "200");
        assertThat(redis.redis().hget(PREFIX + ":win:key:k", "rc")).isEqualTo("1");
        assertThat(redis.redis().hget(PREFIX + ":win:key:k", "tc")).isEqualTo("100");
        assertThat(redis.redis().zcard(PREFIX + ":slots:key:k")).isEqualTo(1);
        assertThat(redis.redis().keys(PREFIX + ":ticket:*")).hasSize(1);
    }

    @Test
    void shouldSlideThePreviousWindowOutOfTheEstimate() {
        RedisAdmission admission = connect();
        RedisCommands<String, String> r = redis.redis();
        double fracBefore = windowFraction(r);
        long window = windowIndex(r);
        // The previous minute used the whole limit: only the part of it that has slid out is available again.
        r.hset(PREFIX + ":win:key:slide", Map.of("w", Long.toString(window - 1), "rc", "100", "rp", "0"));
        int admitted = admitUntilRefused(admission, key("slide", requestsPerMinute(100)));
        double fracAfter = windowFraction(r);
        if (windowIndex(r) == window) {
            assertThat(admitted).isBetween((int) Math.floor(100 * fracBefore) - 1, (int) Math.floor(100 * fracAfter) + 1);
        }

        // Two windows ago no longer counts at all.
        r.hset(PREFIX + ":win:key:old", Map.of("w", Long.toString(windowIndex(r) - 2), "rc", "100", "rp", "100"));
        assertThat(admitUntilRefused(admission, key("old", requestsPerMinute(100)))).isBetween(100, 101);
    }

    private static int admitUntilRefused(RedisAdmission admission, Scope scope) {
        int admitted = 0;
        while (admitted < 1000 && decide(admission, request(1, 0, scope)).admitted()) {
            admitted++;
        }
        return admitted;
    }

    private static long nowMs(RedisCommands<String, String> r) {
        List<String> time = r.time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    private static long windowIndex(RedisCommands<String, String> r) {
        return nowMs(r) / ClusterSettings.WINDOW_MS;
    }

    /**
     * Waits, when the current minute window is nearly over, for the next one: a test that reads a window's exact
     * counters must not straddle a window's end (the counts would restart in the new window).
     */
    private static void awaitRoomInWindow() {
        await().atMost(Duration.ofSeconds(70)).until(() -> windowFraction(redis.redis()) < 0.8);
    }

    private static double windowFraction(RedisCommands<String, String> r) {
        return (nowMs(r) % ClusterSettings.WINDOW_MS) / (double) ClusterSettings.WINDOW_MS;
    }

    @Test
    void shouldRefuseARevokedKeyOnEveryInstance() {
        RedisAdmission second = connect();
        assertThat(decide(second, request(1, 0, key("k", Limits.NONE))).admitted()).isTrue();
        revokeThroughTheKeyStore("k");
        AdmissionDecision refused = decide(second, request(1, 0, key("k", Limits.NONE)));
        // The same 401 as any bad credential: nothing tells a caller the key existed (RELIABILITY.md E1).
        assertThat(refused).isEqualTo(Refusals.invalidKey());
        assertThat(decide(second, request(1, 0, key("other", Limits.NONE))).admitted()).isTrue();
        // Only a first scope of kind "key" is a key: a team of the same name is not revoked.
        assertThat(decide(second, request(1, 0, new Scope("team", "k", Limits.NONE, null))).admitted()).isTrue();
    }

    @Test
    void shouldStartBudgetsFromSeededSpendOnlyWhenRedisHasNoCounterYet() {
        RedisAdmission seeded = connect();
        seeded.seedSpend(Map.of("key:fresh", 900L, "key:known", 900L));
        RedisAdmission other = connect();
        // Another gateway already counts "known" in Redis: the seed must not overwrite it.
        assertThat(decide(other, request(1, 50, keyWithBudget("known", 1000))).admitted()).isTrue();

        assertThat(decide(seeded, request(1, 200, keyWithBudget("fresh", 1000))).code()).isEqualTo("budget_exceeded");
        assertThat(decide(seeded, request(1, 100, keyWithBudget("fresh", 1000))).admitted()).isTrue();
        assertThat(budgetHash("fresh")).containsEntry("spent", "900").containsEntry("reserved", "100");
        assertThat(decide(seeded, request(1, 200, keyWithBudget("known", 1000))).admitted()).isTrue();
        assertThat(budgetHash("known")).containsEntry("spent", "0").containsEntry("reserved", "250");
    }

    @Test
    void shouldIgnoreSpendSeededInAnEarlierPeriod() {
        Clock lastYear = Clock.fixed(Instant.now().minusSeconds(400L * 86_400), ZoneOffset.UTC);
        RedisAdmission admission = RedisAdmission.connect(redis.uri(), PREFIX, false, null, lastYear);
        admissions.add(admission);
        admission.seedSpend(Map.of("key:k", 900L));
        assertThat(decide(admission, request(1, 200, keyWithBudget("k", 1000))).admitted()).isTrue();
        assertThat(budgetHash("k")).containsEntry("spent", "0");
    }

    @Test
    void shouldLoadTheScriptAgainAfterRedisForgetsIt() {
        RedisAdmission admission = connect();
        assertThat(decide(admission, request(1, 0, key("k", requestsPerMinute(10)))).admitted()).isTrue();
        redis.redis().scriptFlush();
        AdmissionDecision decision = decide(admission, request(1, 0, key("k", requestsPerMinute(10))));
        assertThat(decision.admitted()).isTrue();
        assertThat(decision.requests().remaining()).isEqualTo(8);
        assertThat(admission.failures()).isZero();
    }

    @Test
    void shouldReportTheMostConstrainedScopeInTheHeaders() {
        RedisAdmission admission = connect();
        AdmissionDecision decision = decide(admission, request(100, 0,
                key("k", new Limits(100, 10_000, -1)), new Scope("team", "t", new Limits(10, 1_000, -1), null)));
        assertThat(decision.requests().limit()).isEqualTo(10);
        assertThat(decision.requests().remaining()).isEqualTo(9);
        assertThat(decision.tokens().limit()).isEqualTo(1_000);
        assertThat(decision.tokens().remaining()).isEqualTo(900);
    }

    /** Revokes {@code id} the way the gateway's admin API does: through the shared key store. */
    private void revokeThroughTheKeyStore(String id) {
        try (RedisKeyStore store = RedisKeyStore.connect(redis.uri(), PREFIX)) {
            store.put(new dev.sluice.routing.admission.StoredKey(id, "ab".repeat(32), null, null, null, null,
                    Long.MAX_VALUE, false, true, null, null, List.of(), Limits.NONE, null, 0));
        }
    }
}
