package dev.sluice.cluster;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.StoredKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.sluice.cluster.Admissions.decide;
import static dev.sluice.cluster.Admissions.key;
import static dev.sluice.cluster.Admissions.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class RedisKeyStoreSystemTest {
    private static final String PREFIX = "ks";
    private static RedisServer redis;
    private final List<AutoCloseable> resources = new ArrayList<>();

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
    void cleanUp() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        redis.redis().flushall();
    }

    private RedisKeyStore store() {
        RedisKeyStore store = RedisKeyStore.connect(redis.uri(), PREFIX);
        resources.add(store);
        return store;
    }

    private static StoredKey stored(String id, boolean revoked) {
        return new StoredKey(id, "ab".repeat(32), "ana", "research", List.of("gpt-4o", "claude"), null,
                Long.MAX_VALUE, false, revoked, "atlas", "search", List.of("project"), new Limits(60, 10_000, 4),
                new Budget(BudgetPeriod.MONTH, 50_000_000, 40_000_000), 1_700_000_000_000L);
    }

    @Test
    void shouldStoreKeysAsJsonAndLoadThemBack() {
        RedisKeyStore store = store();
        StoredKey first = stored("k1", false);
        StoredKey second = new StoredKey("k2", "cd".repeat(32), "bo", "ops", null, List.of("chat"), 1_800_000_000_000L,
                true, false, null, null, List.of(), Limits.NONE, null, 1_700_000_000_001L);
        store.put(first);
        store.put(second);
        assertThat(store().load()).containsExactlyInAnyOrder(first, second);
        assertThat(redis.redis().hget(PREFIX + ":keys", "k1")).contains("\"digestHex\":\"" + "ab".repeat(32) + "\"");

        StoredKey rotated = new StoredKey("k1", "ef".repeat(32), "ana", "research", null, null, Long.MAX_VALUE, false,
                false, null, null, List.of(), Limits.NONE, null, 1_700_000_000_002L);
        store.put(rotated);
        assertThat(store.load()).containsExactlyInAnyOrder(rotated, second);
    }

    @Test
    void shouldSkipAnUnreadableEntryAndLoadTheOthers() {
        RedisKeyStore store = store();
        store.put(stored("good", false));
        redis.redis().hset(PREFIX + ":keys", "bad", "{not json");
        assertThat(store.load()).extracting(StoredKey::id).containsExactly("good");
    }

    @Test
    void shouldKeepTheRevokedSetInStepSoEveryGatewayRefusesTheKey() {
        RedisKeyStore store = store();
        RedisAdmission admission = RedisAdmission.connect(redis.uri(), PREFIX, false, null);
        resources.add(admission);
        store.put(stored("k1", false));
        assertThat(decide(admission, request(1, 0, key("k1", Limits.NONE))).admitted()).isTrue();

        store.put(stored("k1", true));
        assertThat(redis.redis().sismember(PREFIX + ":revoked", "k1")).isTrue();
        assertThat(decide(admission, request(1, 0, key("k1", Limits.NONE))).code()).isEqualTo(Refusals.INVALID_KEY);

        store.put(stored("k1", false));
        assertThat(redis.redis().sismember(PREFIX + ":revoked", "k1")).isFalse();
        assertThat(decide(admission, request(1, 0, key("k1", Limits.NONE))).admitted()).isTrue();
    }

    @Test
    void shouldTellOtherProcessesAboutChangesButNotItself() {
        RedisKeyStore watching = store();
        RedisKeyStore other = store();
        AtomicInteger changes = new AtomicInteger();
        watching.watch(changes::incrementAndGet);

        watching.put(stored("mine", false));
        other.put(stored("theirs", false));
        await().atMost(Duration.ofSeconds(60)).until(() -> changes.get() >= 1);
        // Messages on one channel arrive in order: our own came first and was not echoed.
        assertThat(changes).hasValue(1);
        assertThat(watching.load()).extracting(StoredKey::id).containsExactlyInAnyOrder("mine", "theirs");
    }

    @Test
    void shouldFailLoudlyWhenRedisCannotBeReached() {
        assertThatThrownBy(() -> RedisKeyStore.connect("redis://127.0.0.1:" + RedisServer.freePort(), PREFIX))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("key store unreachable (redis 127.0.0.1:");
    }
}
