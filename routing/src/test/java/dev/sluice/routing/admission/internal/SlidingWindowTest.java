package dev.sluice.routing.admission.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

class SlidingWindowTest {
    private static final long W = SlidingWindow.WINDOW_MS;
    private static final long SLOT = SlidingWindow.SLOT_MS;

    /** Adds one at a time at {@code nowMs} until refused; returns how many were admitted. */
    private static int fill(SlidingWindow window, long nowMs, long limit) {
        int admitted = 0;
        while (window.tryAdd(nowMs, 1, limit) >= 0) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void shouldNotPassTheLimitInABurstRightAfterASlotBoundary() {
        SlidingWindow window = new SlidingWindow();
        assertThat(fill(window, W - 1, 5)).isEqualTo(5);
        assertThat(fill(window, W + 1, 5)).isZero();
        assertThat(window.remaining(W + 1, 5)).isZero();
    }

    @Test
    void shouldFreeASlotAMinuteAfterItsSecondBegan() {
        SlidingWindow window = new SlidingWindow();
        assertThat(fill(window, 30_500, 5)).isEqualTo(5);
        assertThat(fill(window, 30_000 + W - 1, 5)).as("1 ms before the slot leaves").isZero();
        assertThat(fill(window, 30_000 + W, 5)).as("as it leaves").isEqualTo(5);
        assertThat(fill(window, 5 * W, 5)).as("minutes later").isEqualTo(5);
    }

    @Test
    void shouldSayWhenOneMoreFitsAndWhenTheWholeLimitIsBack() {
        SlidingWindow window = new SlidingWindow();
        window.tryAdd(10_200, 2, 5);
        window.tryAdd(40_700, 3, 5);
        long now = 50_300;
        assertThat(window.remaining(now, 5)).isZero();
        // The two of second 10 leave at 70 s, the three of second 40 at 100 s.
        assertThat(window.retryMs(now, 1, 5)).isEqualTo(70_000 - now);
        assertThat(window.retryMs(now, 3, 5)).as("three fit once both slots left").isEqualTo(100_000 - now);
        assertThat(window.resetMs(now)).isEqualTo(100_000 - now);
        assertThat(window.retryMs(now, 6, 5)).as("more than the limit never fits").isEqualTo(W);

        assertThat(window.remaining(70_000 - 1, 5)).isZero();
        assertThat(window.remaining(70_000, 5)).isEqualTo(2);
        assertThat(window.remaining(100_000 - 1, 5)).isEqualTo(2);
        assertThat(window.remaining(100_000, 5)).isEqualTo(5);
        assertThat(window.resetMs(100_000)).isZero();
        assertThat(window.retryMs(100_000, 5, 5)).isZero();
    }

    @Test
    void shouldTellExactTimesNeverBeyondTheWindowNorAResetBeforeTheRetry() {
        SplittableRandom random = new SplittableRandom(42);
        for (int run = 0; run < 200; run++) {
            SlidingWindow window = new SlidingWindow();
            List<long[]> added = new ArrayList<>();
            long limit = 1 + random.nextInt(20);
            long now = random.nextLong(1_000_000_000L);
            for (int step = 0; step < 60; step++) {
                now += random.nextInt(5_000);
                long n = 1 + random.nextInt(3);
                if (window.tryAdd(now, n, limit) >= 0) {
                    added.add(new long[] {now, n});
                }
                long reset = window.resetMs(now);
                long retry = window.retryMs(now, 1, limit);
                assertThat(reset).isBetween(0L, W);
                assertThat(retry).isBetween(0L, reset == 0 ? 0 : reset);
                assertThat(countAt(added, now + reset)).as("at the reset the count is 0").isZero();
                if (reset > 0) {
                    assertThat(countAt(added, now + reset - 1)).as("1 ms before the reset").isPositive();
                }
                assertThat(countAt(added, now + retry) + 1).as("at the retry one fits").isLessThanOrEqualTo(limit);
                if (retry > 0) {
                    assertThat(countAt(added, now + retry - 1) + 1).as("1 ms before the retry").isGreaterThan(limit);
                }
            }
        }
    }

    /** What the window counts at {@code atMs}: each addition from the start of its second for a minute. */
    private static long countAt(List<long[]> added, long atMs) {
        long count = 0;
        for (long[] a : added) {
            long from = Math.floorDiv(a[0], SLOT) * SLOT;
            if (atMs >= from && atMs < from + W) {
                count += a[1];
            }
        }
        return count;
    }

    @Test
    void shouldCountTokensAgainstTheLimitAndCreditACorrection() {
        SlidingWindow window = new SlidingWindow();
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(400);
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(-1);
        window.add(SlidingWindow.slotOf(1_000), -500);
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(300);
    }

    @Test
    void shouldIgnoreACorrectionOfASlotThatLeftTheWindow() {
        SlidingWindow window = new SlidingWindow();
        window.tryAdd(1_000, 600, 1_000);
        window.tryAdd(1_000 + W, 100, 1_000);
        window.add(SlidingWindow.slotOf(1_000), 800);
        assertThat(window.remaining(1_000 + W, 1_000)).isEqualTo(900);
    }

    @Test
    void shouldCountACallerWhoseClockReadsBehindInTheNewestSlot() {
        SlidingWindow window = new SlidingWindow();
        window.tryAdd(10_000, 1, 5);
        window.tryAdd(9_000, 1, 5);
        // Both counted in second 10: they leave together, and the times are told from its start.
        assertThat(window.resetMs(9_000)).isEqualTo(W);
        assertThat(window.remaining(70_000, 5)).isEqualTo(5);
    }
}
