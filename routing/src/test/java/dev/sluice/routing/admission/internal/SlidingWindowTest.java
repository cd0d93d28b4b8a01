package dev.sluice.routing.admission.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlidingWindowTest {
    private static final long W = SlidingWindow.WINDOW_MS;

    /** Adds one at a time at {@code nowMs} until refused; returns how many were admitted. */
    private static int fill(SlidingWindow window, long nowMs, long limit) {
        int admitted = 0;
        while (window.tryAdd(nowMs, 1, limit) >= 0) {
            admitted++;
        }
        return admitted;
    }

    @Test
    void shouldNotPassTheLimitInABurstRightAfterAWindowBoundary() {
        SlidingWindow window = new SlidingWindow();
        assertThat(fill(window, W - 1, 5)).isEqualTo(5);
        // 1 ms into the next window, 59,999/60,000 of the five still count: rounded up, nothing more fits.
        assertThat(fill(window, W + 1, 5)).isZero();
        assertThat(window.remaining(W + 1, 5)).isZero();
    }

    @Test
    void shouldFreeThePreviousWindowAsItSlidesOut() {
        SlidingWindow window = new SlidingWindow();
        assertThat(fill(window, W - 1, 5)).isEqualTo(5);
        // A fifth of the way in, the previous five weigh exactly 4: one fits.
        assertThat(fill(window, W + W / 5, 5)).isEqualTo(1);
        SlidingWindow other = new SlidingWindow();
        assertThat(fill(other, W - 1, 5)).isEqualTo(5);
        // Just short of that, they weigh a little more than 4: rounded up to 5, none fits.
        assertThat(fill(other, W + W / 5 - 1, 5)).isZero();
        assertThat(fill(other, W + 2 * W / 5, 5)).as("at two fifths they weigh 3").isEqualTo(2);
        assertThat(fill(other, 3 * W, 5)).as("two windows later, all is free").isEqualTo(5);
    }

    @Test
    void shouldCountTokensAgainstTheLimitAndCreditACorrection() {
        SlidingWindow window = new SlidingWindow();
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(400);
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(-1);
        window.add(SlidingWindow.windowOf(1_000), -500);
        assertThat(window.tryAdd(1_000, 600, 1_000)).isEqualTo(300);
    }
}
