package dev.sluice.cluster;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agents' labels and versions in a real Redis: a labels document is replaced only when it is still the one
 * read (of two gateways moving at once, one wins and the other reads again), a move is announced to the other
 * gateways but not echoed to the one that made it, a version is written once, and an unreachable Redis is an
 * {@link IllegalStateException}.
 */
@Timeout(120)
class RedisSharedAgentsSystemTest {
    private static final String PREFIX = "sa";
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

    private RedisSharedAgents store() {
        RedisSharedAgents store = RedisSharedAgents.connect(redis.uri(), PREFIX);
        resources.add(store);
        return store;
    }

    @Test
    void shouldReplaceLabelsOnlyWhenUnchangedAndAnnounceEachMoveToTheOthers() {
        RedisSharedAgents one = store();
        RedisSharedAgents two = store();
        List<String> heardByOne = new CopyOnWriteArrayList<>();
        List<String> heardByTwo = new CopyOnWriteArrayList<>();
        one.watch(heardByOne::add);
        two.watch(heardByTwo::add);

        assertThat(one.labels("helper")).isNull();
        assertThat(one.replaceLabels("helper", null, "{\"v\":1}")).isTrue();
        // The other gateway read nothing before the move: its write from "nothing" is refused, not lost over v1.
        assertThat(two.replaceLabels("helper", null, "{\"v\":2}")).isFalse();
        assertThat(two.labels("helper")).isEqualTo("{\"v\":1}");
        assertThat(two.replaceLabels("helper", "{\"v\":1}", "{\"v\":2}")).isTrue();
        assertThat(one.replaceLabels("helper", "{\"v\":1}", "{\"v\":3}")).isFalse();
        assertThat(one.labels("helper")).isEqualTo("{\"v\":2}");

        await().atMost(Duration.ofSeconds(10)).until(() -> heardByTwo.size() == 1 && heardByOne.size() == 1);
        assertThat(heardByTwo).as("one's move, announced to two").containsExactly("helper");
        assertThat(heardByOne).as("two's move, not one's own").containsExactly("helper");
        assertThat(one.labels("other")).isNull();
    }

    @Test
    void shouldWriteEachVersionOnceAndFailPlainlyWithoutRedis() {
        RedisSharedAgents one = store();
        one.putVersion("helper", "0123456789ab", "{\"prompt.md\":\"first\"}");
        one.putVersion("helper", "0123456789ab", "{\"prompt.md\":\"other\"}");
        one.putVersion("helper", "ba9876543210", "{\"prompt.md\":\"second\"}");
        assertThat(store().versions("helper")).containsExactlyInAnyOrder("0123456789ab", "ba9876543210");
        assertThat(one.version("helper", "0123456789ab")).isEqualTo("{\"prompt.md\":\"first\"}");
        assertThat(one.version("helper", "ffffffffffff")).isNull();
        assertThat(one.versions("nobody")).isEmpty();

        assertThatThrownBy(() -> RedisSharedAgents.connect("redis://127.0.0.1:1", PREFIX))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("agent store unreachable");
    }
}
