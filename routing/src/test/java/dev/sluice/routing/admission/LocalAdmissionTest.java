package dev.sluice.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

class LocalAdmissionTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    /** The start of a fixed minute window. */
    private static final long T0 = 1_800_000L * 60_000L;

    private final AtomicLong clock = new AtomicLong(T0);
    private final LocalAdmission admission = new LocalAdmission(clock::get);

    @AfterEach
    void close() {
        admission.close();
    }

    private AdmissionDecision admit(List<Scope> scopes, long tokens, long costMicros, long nowMs, ZoneId zone) {
        AdmissionDecision[] out = new AdmissionDecision[1];
        admission.admit(new AdmissionRequest(scopes, tokens, costMicros, nowMs, zone), d -> out[0] = d);
        assertThat(out[0]).as("decided before returning").isNotNull();
        return out[0];
    }

    private AdmissionDecision admit(Scope scope, long nowMs) {
        return admit(List.of(scope), 0, 0, nowMs, UTC);
    }

    private static Scope rpm(String id, long limit) {
        return new Scope("key", id, new Limits(limit, -1, -1), null);
    }

    @Test
    void shouldSlideTheRequestWindowExactly() {
        Scope s = rpm("a", 10);
        for (int i = 0; i < 10; i++) {
            AdmissionDecision d = admit(s, T0 + 30_500 + i * 1_000);
            assertThat(d.admitted()).isTrue();
            // Each counts until a minute after its second began: the newest one, 59.5 s from now.
            assertThat(d.requests()).isEqualTo(new RateLimitState(10, 9 - i, 59_500));
        }
        AdmissionDecision refused = admit(s, T0 + 59_999);
        assertThat(refused.admitted()).isFalse();
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.code()).isEqualTo("rate_limit_exceeded");
        assertThat(refused.message()).contains("key 'a'").contains("10 requests per minute");
        assertThat(refused.ticket()).isNull();
        // The request of second 30 leaves at 90 s (one more fits), the one of second 39 at 99 s (all ten do).
        assertThat(refused.retryAfterSeconds()).isEqualTo(31);
        assertThat(refused.requests()).isEqualTo(new RateLimitState(10, 0, 99_000 - 59_999));
        assertThat(admit(s, T0 + 89_999).admitted()).isFalse();
        assertThat(admit(s, T0 + 90_000).admitted()).isTrue();
        AdmissionDecision next = admit(s, T0 + 90_000);
        assertThat(next.admitted()).isFalse();
        assertThat(next.retryAfterSeconds()).as("the request of second 31 leaves at 91 s").isEqualTo(1);
        // At 99 s the first ten have left; the one of second 90 counts until 150 s.
        for (int i = 0; i < 9; i++) {
            assertThat(admit(s, T0 + 99_000).admitted()).as("request %d", i).isTrue();
        }
        AdmissionDecision tenth = admit(s, T0 + 99_000);
        assertThat(tenth.admitted()).isFalse();
        assertThat(tenth.retryAfterSeconds()).isEqualTo(51);
        assertThat(tenth.requests()).isEqualTo(new RateLimitState(10, 0, 60_000));
        // A minute after the last of them, everything is forgotten.
        assertThat(admit(s, T0 + 159_000).requests()).isEqualTo(new RateLimitState(10, 9, 60_000));
    }

    @Test
    void shouldAdmitTheLimitForABurstAtAnyMoment() {
        for (long offset : new long[] {0, 1, 17_345, 30_000, 59_999}) {
            LocalAdmission a = new LocalAdmission();
            Scope s = rpm("burst", 100);
            long start = T0 + offset;
            int admitted = 0;
            for (int i = 0; i < 300; i++) {
                AdmissionDecision[] d = new AdmissionDecision[1];
                a.admit(new AdmissionRequest(List.of(s), 0, 0, start, UTC), x -> d[0] = x);
                admitted += d[0].admitted() ? 1 : 0;
            }
            assertThat(admitted).as("offset %d", offset).isEqualTo(100);
            // Nothing more until the burst's second has left the window, a minute after it began.
            long leavesAt = start - Math.floorMod(start, 1_000L) + 60_000;
            int later = 0;
            for (long t = start; t < leavesAt; t += 100) {
                AdmissionDecision[] d = new AdmissionDecision[1];
                a.admit(new AdmissionRequest(List.of(s), 0, 0, t, UTC), x -> d[0] = x);
                later += d[0].admitted() ? 1 : 0;
            }
            assertThat(later).as("in the minute of a burst at %d", offset).isZero();
            AdmissionDecision[] d = new AdmissionDecision[1];
            a.admit(new AdmissionRequest(List.of(s), 0, 0, leavesAt, UTC), x -> d[0] = x);
            assertThat(d[0].admitted()).as("once it left, at %d", offset).isTrue();
        }
    }

    @Test
    void shouldReserveTokensAndSettleWithTheRealCount() {
        Scope s = new Scope("team", "t", new Limits(-1, 1000, -1), null);
        AdmissionDecision first = admit(List.of(s), 600, 0, T0 + 1000, UTC);
        assertThat(first.admitted()).isTrue();
        assertThat(first.tokens()).isEqualTo(new RateLimitState(1000, 400, 60_000));
        AdmissionDecision second = admit(List.of(s), 600, 0, T0 + 2000, UTC);
        assertThat(second.admitted()).isFalse();
        assertThat(second.code()).isEqualTo("tokens_limit_exceeded");
        // The 600 of second 1 leave at 61 s.
        assertThat(second.retryAfterSeconds()).isEqualTo(59);
        assertThat(second.tokens()).isEqualTo(new RateLimitState(1000, 400, 59_000));
        // The first used 100 tokens only: 500 are given back.
        admission.settle(first, 100, 0);
        admission.settle(first, 100, 0); // a second settle changes nothing
        AdmissionDecision third = admit(List.of(s), 600, 0, T0 + 3000, UTC);
        assertThat(third.admitted()).isTrue();
        assertThat(third.tokens().remaining()).isEqualTo(300);
    }

    @Test
    void shouldReleaseConcurrencyOnSettleAndRollBackEveryScopeOnRefusal() {
        Scope key = new Scope("key", "k", new Limits(100, -1, 2), null);
        Scope team = new Scope("team", "t", new Limits(100, -1, -1), new Budget(BudgetPeriod.DAY, 1000, -1));
        AdmissionDecision a = admit(List.of(key, team), 0, 400, T0, UTC);
        AdmissionDecision b = admit(List.of(key, team), 0, 400, T0, UTC);
        assertThat(a.admitted()).isTrue();
        assertThat(b.admitted()).isTrue();
        assertThat(admission.inFlight(key)).isEqualTo(2);
        AdmissionDecision c = admit(List.of(key, team), 0, 100, T0, UTC);
        assertThat(c.admitted()).isFalse();
        assertThat(c.code()).isEqualTo("concurrency_limit_exceeded");
        assertThat(c.retryAfterSeconds()).isEqualTo(1);
        admission.settle(a, 0, 300);
        assertThat(admission.inFlight(key)).isEqualTo(1);
        assertThat(admission.committedMicros(team, T0)).isEqualTo(700);
        // The key takes it, the team's budget refuses (700 + 400 > 1000): the key's slot and count are given back.
        AdmissionDecision d = admit(List.of(key, team), 0, 400, T0, UTC);
        assertThat(d.admitted()).isFalse();
        assertThat(d.code()).isEqualTo("budget_exceeded");
        assertThat(admission.inFlight(key)).isEqualTo(1);
        // Two admitted (a, b); c was refused before its count was taken; d's count was rolled back.
        assertThat(d.requests()).isEqualTo(new RateLimitState(100, 98, 60_000));
        assertThat(admission.committedMicros(team, T0)).isEqualTo(700);
        admission.settle(b, 0, 400);
        assertThat(admission.inFlight(key)).isZero();
        assertThat(admission.spentMicros(team, T0)).isEqualTo(700);
    }

    @Test
    void shouldIgnoreASettleOfATicketAlreadyHandedToTheNextRequest() {
        Scope s = new Scope("key", "pooled", new Limits(-1, -1, 1), null);
        AdmissionDecision first = admit(s, T0);
        Ticket ticket = first.ticket();
        long firstStamp = first.stamp();
        admission.settle(ticket, firstStamp, 0, 0);
        AdmissionDecision second = admit(s, T0 + 1);
        assertThat(second.admitted()).isTrue();
        // Pooled: the same ticket, issued again at a new stamp.
        assertThat(second.ticket()).isSameAs(ticket);
        assertThat(second.stamp()).isNotEqualTo(firstStamp);
        // A late settle of the first request (what a stale holder would do) leaves the second one's slot taken.
        admission.settle(ticket, firstStamp, 0, 0);
        assertThat(admission.inFlight(s)).isEqualTo(1);
        assertThat(admit(s, T0 + 2).code()).isEqualTo("concurrency_limit_exceeded");
        admission.settle(second, 0, 0);
        assertThat(admission.inFlight(s)).isZero();
        assertThat(admit(s, T0 + 3).admitted()).isTrue();
    }

    @Test
    void shouldAlignBudgetPeriodsInTheConfiguredZone() {
        ZoneId tokyo = ZoneId.of("Asia/Tokyo");
        Scope s = new Scope("project", "p", Limits.NONE, new Budget(BudgetPeriod.MONTH, 1_000, -1));
        // 2026-01-31T14:59:59Z is 23:59:59 on 31 January in Tokyo; one second later it is February there.
        long endOfJanuary = Instant.parse("2026-01-31T14:59:59Z").toEpochMilli();
        AdmissionDecision a = admit(List.of(s), 0, 1_000, endOfJanuary, tokyo);
        assertThat(a.admitted()).isTrue();
        admission.settle(a, 0, 1_000);
        AdmissionDecision full = admit(List.of(s), 0, 1, endOfJanuary, tokyo);
        assertThat(full.admitted()).isFalse();
        assertThat(full.retryAfterSeconds()).isEqualTo(1);
        assertThat(full.message()).contains("project 'p'").contains("per month");
        AdmissionDecision february = admit(List.of(s), 0, 1_000, endOfJanuary + 1000, tokyo);
        assertThat(february.admitted()).isTrue();
        assertThat(admission.committedMicros(s, endOfJanuary + 1000)).isEqualTo(1_000);
        assertThat(admission.spentMicros(s, endOfJanuary + 1000)).isZero();

        // A week starts on Monday in the zone: Sunday 23:30 in Tokyo is still last week.
        Scope w = new Scope("key", "w", Limits.NONE, new Budget(BudgetPeriod.WEEK, 10, -1));
        long sundayNight = Instant.parse("2026-02-01T14:30:00Z").toEpochMilli(); // Sun 23:30 JST
        AdmissionDecision sunday = admit(List.of(w), 0, 10, sundayNight, tokyo);
        assertThat(sunday.admitted()).isTrue();
        AdmissionDecision stillSunday = admit(List.of(w), 0, 10, sundayNight + 29 * 60_000, tokyo);
        assertThat(stillSunday.admitted()).isFalse();
        assertThat(stillSunday.retryAfterSeconds()).isEqualTo(60);
        assertThat(admit(List.of(w), 0, 10, sundayNight + 30 * 60_000, tokyo).admitted()).isTrue();
    }

    @Test
    void shouldAlertOncePerPeriodPastTheSoftThreshold() {
        Scope s = new Scope("team", "soft", Limits.NONE, new Budget(BudgetPeriod.DAY, -1, 500));
        long day1 = Instant.parse("2026-03-10T10:00:00Z").toEpochMilli();
        for (int i = 0; i < 4; i++) {
            AdmissionDecision d = admit(List.of(s), 0, 1_000_000, day1, UTC);
            assertThat(d.admitted()).as("no hard cap").isTrue();
            admission.settle(d, 0, 200);
        }
        // 200, 400, 600 (crossed), 800.
        assertThat(admission.softAlerts()).isEqualTo(1);
        assertThat(admission.spentMicros(s, day1)).isEqualTo(800);
        long day2 = day1 + 86_400_000L;
        AdmissionDecision d = admit(List.of(s), 0, 0, day2, UTC);
        admission.settle(d, 0, 500);
        assertThat(admission.softAlerts()).isEqualTo(2);
    }

    @Test
    void shouldStartBudgetsFromTheSeededSpendOfTheCurrentPeriod() {
        long now = Instant.parse("2026-03-10T10:00:00Z").toEpochMilli();
        clock.set(now);
        Scope s = new Scope("key", "seeded", Limits.NONE, new Budget(BudgetPeriod.MONTH, 1_000, -1));
        AdmissionDecision before = admit(List.of(s), 0, 100, now, UTC);
        assertThat(before.admitted()).isTrue();
        admission.seedSpend(Map.of("key:seeded", 950L));
        assertThat(admit(List.of(s), 0, 100, now, UTC).admitted()).isFalse();
        assertThat(admit(List.of(s), 0, 50, now, UTC).admitted()).isTrue();
        assertThat(admission.spentMicros(s, now)).isEqualTo(950);
        // The seed belongs to March: April starts from zero.
        long april = Instant.parse("2026-04-01T00:00:00Z").toEpochMilli();
        assertThat(admit(List.of(s), 0, 1_000, april, UTC).admitted()).isTrue();
        assertThat(admission.health()).isEqualTo("ok");
    }

    @Test
    void shouldAdmitRequestsNoScopeGoverns() {
        AdmissionDecision d = admit(List.of(), 1_000_000, 1_000_000, T0, UTC);
        assertThat(d.admitted()).isTrue();
        assertThat(d.ticket()).isNotNull();
        assertThat(d.requests()).isNull();
        admission.settle(d, 5, 5);
    }

    /** RELIABILITY B6: 64 concurrent requests whose summed worst case is 4B, 1,000 times. */
    @Test
    @Timeout(120)
    void shouldNeverOvershootABudgetUnderARace() throws Exception {
        int threads = 64;
        int trials = 1_000;
        long budget = 16_000_000; // $16
        long reserve = budget / 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        // The test thread is a party of both barriers: it checks a trial before the next one starts.
        CyclicBarrier start = new CyclicBarrier(threads + 1);
        CyclicBarrier end = new CyclicBarrier(threads + 1);
        AtomicInteger admitted = new AtomicInteger();
        AtomicInteger trial = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int th = 0; th < threads; th++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < trials; i++) {
                        Scope s = new Scope("key", "race-" + i, Limits.NONE,
                                new Budget(BudgetPeriod.DAY, budget, -1));
                        boolean exact = i % 2 == 0;
                        start.await();
                        AdmissionDecision[] d = new AdmissionDecision[1];
                        admission.admit(new AdmissionRequest(List.of(s), 0, reserve, T0, UTC), x -> d[0] = x);
                        if (d[0].admitted()) {
                            admitted.incrementAndGet();
                            long real = exact ? reserve : ThreadLocalRandom.current().nextLong(reserve + 1);
                            admission.settle(d[0], 0, real);
                        }
                        end.await();
                    }
                    return null;
                }));
            }
            for (int i = 0; i < trials; i++) {
                start.await(60, TimeUnit.SECONDS);
                end.await(60, TimeUnit.SECONDS);
                Scope s = new Scope("key", "race-" + i, Limits.NONE, new Budget(BudgetPeriod.DAY, budget, -1));
                long spent = admission.spentMicros(s, T0);
                assertThat(spent).as("trial %d", i).isLessThanOrEqualTo(budget);
                assertThat(admission.committedMicros(s, T0)).as("nothing left reserved").isEqualTo(spent);
                if (i % 2 == 0) {
                    assertThat(admitted.get()).as("admitted in trial %d", i).isEqualTo(16);
                    assertThat(spent).isEqualTo(budget);
                } else {
                    assertThat(admitted.get()).as("admitted in trial %d", i).isGreaterThanOrEqualTo(16);
                }
                admitted.set(0);
                trial.incrementAndGet();
            }
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(trial.get()).isEqualTo(trials);
    }
}
