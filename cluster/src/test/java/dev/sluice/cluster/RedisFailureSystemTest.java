package dev.sluice.cluster;

import dev.sluice.routing.admission.BudgetPeriods;
import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.AdmissionCallback;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.BudgetWatch;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Ticket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.sluice.cluster.Admissions.decide;
import static dev.sluice.cluster.Admissions.key;
import static dev.sluice.cluster.Admissions.keyWithBudget;
import static dev.sluice.cluster.Admissions.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Redis killed, frozen, or not there yet: the configured policy decides, and health says so. */
@Timeout(180)
class RedisFailureSystemTest {
    /** How long an event (a lost connection, a reconnect, a replayed settle) may take on a loaded machine. */
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final List<AutoCloseable> resources = new ArrayList<>();

    /** Closes every connection and server, the newest first, also when one of them fails to close. */
    @AfterEach
    void cleanUp() throws Exception {
        Exception failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private RedisServer redis() {
        RedisServer redis = RedisServer.start();
        resources.add(redis);
        return redis;
    }

    private RedisAdmission connect(String uri, boolean failOpen, Admission fallback) {
        RedisAdmission admission = RedisAdmission.connect(uri, "f", failOpen, fallback);
        resources.add(admission);
        return admission;
    }

    @Test
    void shouldRefuse503WhenRedisIsKilledAndFailingClosed() {
        RedisServer redis = redis();
        RedisAdmission admission = connect(redis.uri(), false, null);
        assertThat(decide(admission, request(1, 0, key("k", Limits.NONE))).admitted()).isTrue();
        assertThat(admission.health()).isEqualTo("ok");
        assertThat(admission.connected()).isTrue();

        redis.kill();
        long startNs = System.nanoTime();
        AdmissionDecision refused = decide(admission, request(1, 0, key("k", Limits.NONE)));
        long tookMs = (System.nanoTime() - startNs) / 1_000_000;
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.code()).isEqualTo("admission_unavailable");
        assertThat(refused.message()).startsWith("shared limits unreachable (redis): ");
        assertThat(refused.ticket()).isNull();
        System.out.printf("redis killed: refused in %d ms (reported, not asserted)%n", tookMs);
        await().atMost(WAIT).until(() -> !admission.connected());
        assertThat(admission.health()).startsWith("redis unavailable: ");
        assertThat(admission.failures()).isPositive();
    }

    @Test
    void shouldRefuseOnTheCommandTimeoutWhenRedisHangsAndUndoWhatTheLostAdmissionTook() {
        RedisServer redis = redis();
        RedisAdmission admission = connect(redis.uri(), false, null);
        assertThat(decide(admission, request(1, 100, keyWithBudget("k", 1000))).admitted()).isTrue();

        redis.pause();
        long startNs = System.nanoTime();
        AdmissionDecision refused;
        long tookMs;
        try {
            refused = decide(admission, request(1, 300, keyWithBudget("k", 1000)));
            tookMs = (System.nanoTime() - startNs) / 1_000_000;
            assertThat(admission.health()).isEqualTo("redis unavailable: command timed out after "
                    + ClusterSettings.COMMAND_TIMEOUT.toMillis() + " ms");
        } finally {
            redis.resume();
        }
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.message()).isEqualTo("shared limits unreachable (redis): command timed out after "
                + ClusterSettings.COMMAND_TIMEOUT.toMillis() + " ms");
        System.out.printf("redis frozen: refused in %d ms, command timeout %d ms (reported, not asserted)%n", tookMs,
                ClusterSettings.COMMAND_TIMEOUT.toMillis());

        // Redis ran the timed-out admission once it woke up; the compensating settle gives its 300 back.
        long start = BudgetPeriods.startMs(BudgetPeriod.DAY, System.currentTimeMillis(), ZoneOffset.UTC);
        String budgetKey = "f:budget:key:k:day:" + start;
        await().atMost(WAIT).until(() -> "100".equals(redis.redis().hget(budgetKey, "reserved")));
        assertThat(redis.redis().hget(budgetKey, "spent")).isEqualTo("0");
        assertThat(decide(admission, request(1, 900, keyWithBudget("k", 1000))).admitted()).isTrue();
        assertThat(admission.health()).isEqualTo("ok");
    }

    @Test
    void shouldDecideWithTheFallbackWhenFailingOpen() {
        RedisServer redis = redis();
        RecordingAdmission local = new RecordingAdmission();
        RedisAdmission admission = connect(redis.uri(), true, local);
        AdmissionDecision shared = decide(admission, request(1, 0, key("k", Limits.NONE)));
        assertThat(shared.admitted()).isTrue();
        assertThat(local.admitted).isEmpty();

        redis.kill();
        AdmissionDecision decision = decide(admission, request(1, 0, key("k", Limits.NONE)));
        assertThat(decision.admitted()).isTrue();
        assertThat(local.admitted).hasSize(1);
        admission.settle(decision, 7, 70);
        assertThat(local.settled).containsExactly(local.admitted.get(0) + " 7 70");
        assertThat(admission.health()).startsWith("redis unavailable: ");

        // A settle of a shared ticket waits for Redis rather than being lost (an admission cut off in flight may
        // already have queued its own undo).
        int pending = admission.pendingSettles();
        admission.settle(shared, 1, 0);
        assertThat(admission.pendingSettles()).isEqualTo(pending + 1);
    }

    @Test
    void shouldStartWithoutRedisAndUseItOnceItIsThere() {
        int port = RedisServer.freePort();
        RedisAdmission admission = connect("redis://127.0.0.1:" + port, false, null);
        assertThat(admission.connected()).isFalse();
        assertThat(admission.health()).startsWith("redis unavailable: ");
        assertThat(decide(admission, request(1, 0, key("k", Limits.NONE))).status()).isEqualTo(503);

        RedisServer redis = RedisServer.startOn(port);
        resources.add(redis);
        await().atMost(WAIT).until(admission::connected);
        assertThat(decide(admission, request(1, 0, key("k", Limits.NONE))).admitted()).isTrue();
        assertThat(admission.health()).isEqualTo("ok");
    }

    @Test
    void shouldReconnectAndReplayPendingSettlesWhenRedisComesBack() {
        RedisServer redis = redis();
        RedisAdmission admission = connect(redis.uri(), false, null);
        AdmissionDecision decision = decide(admission, request(1, 0, key("k", new Limits(-1, -1, 5))));
        redis.kill();
        await().atMost(WAIT).until(() -> !admission.connected());
        admission.settle(decision, 1, 0);
        assertThat(admission.pendingSettles()).isEqualTo(1);

        redis.startProcess();
        await().atMost(WAIT).until(() -> admission.health().equals("ok"));
        await().atMost(WAIT).until(() -> admission.pendingSettles() == 0);
        assertThat(decide(admission, request(1, 0, key("k", new Limits(-1, -1, 5)))).admitted()).isTrue();
    }

    /** A local admission that admits everything and records what it was asked. */
    private static final class RecordingAdmission implements Admission {
        final List<String> admitted = new CopyOnWriteArrayList<>();
        final List<String> settled = new CopyOnWriteArrayList<>();
        final BudgetWatch budgets = new BudgetWatch();

        @Override
        public void admit(AdmissionRequest request, AdmissionCallback callback) {
            LocalTicket ticket = new LocalTicket("local-" + admitted.size());
            admitted.add(ticket.id());
            callback.decided(AdmissionDecision.admit(ticket, null, null));
        }

        @Override
        public void settle(Ticket ticket, long stamp, long realTokens, long realCostMicros) {
            settled.add(((LocalTicket) ticket).id() + ' ' + realTokens + ' ' + realCostMicros);
        }

        @Override
        public void seedSpend(Map<String, Long> spentMicrosByBudgetKey) {
        }

        @Override
        public String health() {
            return "ok";
        }

        @Override
        public BudgetWatch budgets() {
            return budgets;
        }

        @Override
        public void close() {
        }
    }

    private record LocalTicket(String id) implements Ticket {
    }
}
