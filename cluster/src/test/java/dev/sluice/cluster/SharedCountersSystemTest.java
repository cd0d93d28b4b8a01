package dev.sluice.cluster;

import dev.sluice.routing.admission.BudgetPeriods;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.Scope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.sluice.cluster.Admissions.decide;
import static dev.sluice.cluster.Admissions.key;
import static dev.sluice.cluster.Admissions.keyWithBudget;
import static dev.sluice.cluster.Admissions.request;
import static dev.sluice.cluster.Admissions.requestsPerMinute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.awaitility.Durations.ONE_MILLISECOND;

/**
 * Three admissions with their own Lettuce clients, as three gateway processes, sharing one Redis (B6).
 */
@Timeout(180)
class SharedCountersSystemTest {
    private static final String PREFIX = "shared";
    private static final int GATEWAYS = 3;
    private static RedisServer redis;
    private final List<RedisAdmission> gateways = new ArrayList<>();
    private ExecutorService callers;

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

    @BeforeEach
    void connectGateways() {
        for (int i = 0; i < GATEWAYS; i++) {
            gateways.add(RedisAdmission.connect(redis.uri(), PREFIX, false, null));
        }
        callers = Executors.newFixedThreadPool(8);
    }

    @AfterEach
    void closeGateways() throws InterruptedException {
        callers.shutdownNow();
        callers.awaitTermination(5, TimeUnit.SECONDS);
        gateways.forEach(RedisAdmission::close);
        redis.redis().flushall();
    }

    /** Fires {@code count} admissions at once, spread over the gateways; returns the admitted ones. */
    private List<Admitted> burst(int count, Scope scope, long costMicros) throws InterruptedException {
        Queue<Admitted> admitted = new ConcurrentLinkedQueue<>();
        Queue<String> refusedOther = new ConcurrentLinkedQueue<>();
        CountDownLatch decided = new CountDownLatch(count);
        CountDownLatch go = new CountDownLatch(1);
        for (int i = 0; i < count; i++) {
            RedisAdmission gateway = gateways.get(i % GATEWAYS);
            callers.execute(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                gateway.admit(request(10, costMicros, scope), decision -> {
                    if (decision.admitted()) {
                        admitted.add(new Admitted(gateway, decision));
                    } else if (decision.status() != 429) {
                        refusedOther.add(decision.status() + " " + decision.message());
                    }
                    decided.countDown();
                });
            });
        }
        go.countDown();
        assertThat(decided.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(refusedOther).isEmpty();
        return new ArrayList<>(admitted);
    }

    private static Map<String, String> budget(String keyId) {
        long start = BudgetPeriods.startMs(BudgetPeriod.DAY, System.currentTimeMillis(), ZoneOffset.UTC);
        return redis.redis().hgetall(PREFIX + ":budget:key:" + keyId + ":day:" + start);
    }

    private static long field(Map<String, String> hash, String name) {
        return Long.parseLong(hash.getOrDefault(name, "0"));
    }

    @Test
    void shouldNeverOvershootASharedBudgetUnderARace() throws InterruptedException {
        long budgetMicros = 1_600_000;
        long reservationMicros = budgetMicros / 16;
        long maxOvershootMicros = 0;
        for (int trial = 0; trial < 200; trial++) {
            String keyId = "race-" + trial;
            Scope scope = keyWithBudget(keyId, budgetMicros);
            // 64 requests whose summed worst case is 4 budgets.
            List<Admitted> admitted = burst(64, scope, reservationMicros);
            Map<String, String> afterAdmission = budget(keyId);
            assertThat(field(afterAdmission, "spent") + field(afterAdmission, "reserved")).isLessThanOrEqualTo(budgetMicros);
            assertThat(admitted).hasSize(16);

            for (Admitted a : admitted) {
                a.gateway().settle(a.decision(), 10, reservationMicros);
            }
            await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(ONE_MILLISECOND).until(() -> field(budget(keyId), "reserved") == 0);
            long spent = field(budget(keyId), "spent");
            maxOvershootMicros = Math.max(maxOvershootMicros, spent - budgetMicros);
            assertThat(spent).isEqualTo(budgetMicros);
            // Exhausted: nothing more is admitted, on any gateway.
            for (RedisAdmission gateway : gateways) {
                assertThat(decide(gateway, request(10, 1, scope)).code()).isEqualTo("budget_exceeded");
            }
        }
        assertThat(maxOvershootMicros).isZero();
    }

    @Test
    void shouldAdmitMoreAfterSettlingBelowTheReservation() throws InterruptedException {
        long budgetMicros = 1_600_000;
        Scope scope = keyWithBudget("half", budgetMicros);
        List<Admitted> admitted = burst(64, scope, budgetMicros / 16);
        assertThat(admitted).hasSize(16);
        for (Admitted a : admitted) {
            a.gateway().settle(a.decision(), 10, budgetMicros / 32);
        }
        await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(ONE_MILLISECOND).until(() -> field(budget("half"), "reserved") == 0);
        assertThat(field(budget("half"), "spent")).isEqualTo(budgetMicros / 2);
        assertThat(burst(64, scope, budgetMicros / 16)).hasSize(8);
    }

    @Test
    void shouldShareARequestsPerMinuteLimitAcrossGateways() throws InterruptedException {
        List<Admitted> admitted = burst(300, key("rpm", requestsPerMinute(60)), 0);
        // 60 +/- 1: a burst that straddles a minute boundary may see one more slide in.
        assertThat(admitted.size()).isBetween(59, 61);
        for (RedisAdmission gateway : gateways) {
            assertThat(gateway.health()).isEqualTo("ok");
        }
    }

    @Test
    void shouldShareConcurrencySlotsAcrossGateways() throws InterruptedException {
        List<Admitted> admitted = burst(100, key("conc", new Limits(-1, -1, 7)), 0);
        assertThat(admitted).hasSize(7);
        assertThat(redis.redis().zcard(PREFIX + ":slots:key:conc")).isEqualTo(7);
    }

    @Test
    void shouldRefuseARevokedKeyOnTheNextRequestOnEveryGateway() {
        Scope scope = key("revoked", Limits.NONE);
        for (RedisAdmission gateway : gateways) {
            assertThat(decide(gateway, request(1, 0, scope)).admitted()).isTrue();
        }
        revokeThroughTheKeyStore("revoked");
        for (RedisAdmission gateway : gateways) {
            AdmissionDecision decision = decide(gateway, request(1, 0, scope));
            assertThat(decision.status()).isEqualTo(401);
            assertThat(decision.code()).isEqualTo(Refusals.INVALID_KEY);
        }
    }

    private record Admitted(RedisAdmission gateway, AdmissionDecision decision) {
    }

    /** Revokes {@code id} the way the gateway's admin API does: through the shared key store. */
    private void revokeThroughTheKeyStore(String id) {
        try (RedisKeyStore store = RedisKeyStore.connect(redis.uri(), PREFIX)) {
            store.put(new dev.sluice.routing.admission.StoredKey(id, "ab".repeat(32), null, null, null, null,
                    Long.MAX_VALUE, false, true, null, null, List.of(), Limits.NONE, null, 0));
        }
    }
}
