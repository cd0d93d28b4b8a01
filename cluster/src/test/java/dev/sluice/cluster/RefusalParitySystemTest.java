package dev.sluice.cluster;

import static dev.sluice.cluster.Admissions.decide;
import static dev.sluice.cluster.Admissions.request;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.routing.admission.Admission;
import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.AdmissionRequest;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.LocalAdmission;
import dev.sluice.routing.admission.Refusals;
import dev.sluice.routing.admission.Scope;
import dev.sluice.routing.admission.StoredKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every admission refusal reads the same with and without Redis: the same status, code and message for the same
 * scopes and request, since both admissions take them from one catalogue ({@link Refusals}).
 */
@Timeout(60)
class RefusalParitySystemTest {
    private static RedisServer redis;
    private final List<AutoCloseable> admissions = new ArrayList<>();

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closeAdmissions() throws Exception {
        for (AutoCloseable a : admissions) {
            a.close();
        }
        redis.redis().flushall();
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
            Arguments.of("rate_limit_exceeded", new Scope("key", "k-rpm", new Limits(2, -1, -1), null), 1, 0,
                "Rate limit reached for key 'k-rpm': 2 requests per minute."),
            Arguments.of("rate_limit_exceeded", new Scope("team", "research", new Limits(1, -1, -1), null), 1, 0,
                "Rate limit reached for team 'research': 1 requests per minute."),
            Arguments.of("tokens_limit_exceeded", new Scope("key", "k-tpm", new Limits(-1, 1000, -1), null), 600, 0,
                "Token rate limit reached for key 'k-tpm': 1000 tokens per minute, this request reserves 600."),
            Arguments.of("concurrency_limit_exceeded", new Scope("project", "atlas", new Limits(-1, -1, 1), null), 1,
                0, "Too many concurrent requests for project 'atlas': at most 1 at once."),
            Arguments.of("budget_exceeded", new Scope("key", "k-budget", Limits.NONE,
                new Budget(BudgetPeriod.DAY, 1_000_000, -1)), 10, 600_000,
                "Budget exhausted for key 'k-budget': 1.00 per day, this request reserves up to 0.60."));
    }

    @ParameterizedTest(name = "{0} for {1}")
    @MethodSource("refusals")
    void shouldRefuseWithTheSameStatusCodeAndMessageWithAndWithoutRedis(String code, Scope scope, long tokens,
                                                                        long costMicros, String message) {
        AdmissionDecision local = firstRefusal(track(new LocalAdmission()), scope, tokens, costMicros);
        AdmissionDecision shared = firstRefusal(track(RedisAdmission.connect(redis.uri(), "parity", false, null)),
            scope, tokens, costMicros);

        for (AdmissionDecision d : List.of(local, shared)) {
            assertThat(d.status()).isEqualTo(429);
            assertThat(d.code()).isEqualTo(code);
            assertThat(d.message()).isEqualTo(message);
            assertThat(d.retryAfterSeconds()).isPositive();
            assertThat(d.ticket()).isNull();
        }
    }

    @Test
    void shouldAnswerAKeyRevokedElsewhereAsAnyBadCredential() {
        RedisAdmission admission = track(RedisAdmission.connect(redis.uri(), "parity", false, null));
        Scope key = new Scope("key", "gone", Limits.NONE, null);
        assertThat(decide(admission, request(1, 0, key)).admitted()).isTrue();
        try (RedisKeyStore keys = RedisKeyStore.connect(redis.uri(), "parity")) {
            keys.put(new StoredKey("gone", "ab".repeat(32), null, null, null, null, Long.MAX_VALUE, false, true, null,
                null, List.of(), Limits.NONE, null, 0));
        }
        AdmissionDecision refused = decide(admission, request(1, 0, key));
        assertThat(refused).isEqualTo(Refusals.invalidKey());
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.message()).doesNotContain("gone", "revoked");
    }

    /** Admits the same request until it is refused (a limit of n admits n); fails when nothing refuses it. */
    private static AdmissionDecision firstRefusal(Admission admission, Scope scope, long tokens, long costMicros) {
        for (int i = 0; i < 10; i++) {
            AdmissionRequest request = request(tokens, costMicros, scope);
            AdmissionDecision decision = decide(admission, request);
            if (!decision.admitted()) {
                return decision;
            }
        }
        throw new AssertionError("no refusal for " + scope + " after 10 requests");
    }

    private <T extends AutoCloseable> T track(T admission) {
        admissions.add(admission);
        return admission;
    }
}
