package dev.sluice.routing.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;

import dev.sluice.routing.config.CircuitSettings;
import dev.sluice.routing.config.RoutePolicy;
import org.junit.jupiter.api.Test;

class RetriesTest {
    private static final long NOW_NS = 1_000_000_000L;
    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private static RoutePolicy policy(int maxAttempts, boolean resendAfterDispatch) {
        return new RoutePolicy(maxAttempts, 100, 2_000, 10_000, resendAfterDispatch, 5_000, 120_000, 120_000, 0,
            CircuitSettings.DEFAULTS);
    }

    @Test
    void shouldRetryExactlyTheStatusesThatMoveARequestOn() {
        assertThat(IntStream.rangeClosed(100, 599).filter(Retries::isRetryable).boxed())
            .containsExactly(429, 500, 502, 503, 504, 529);
        assertThat(IntStream.rangeClosed(100, 599).filter(Retries::isAmbiguous).boxed()).containsExactly(502, 504);
    }

    @Test
    void shouldReadRetryAfterAsDeltaSecondsOnly() {
        assertThat(Retries.retryAfterMs("2")).isEqualTo(2_000);
        assertThat(Retries.retryAfterMs("0")).isZero();
        assertThat(Retries.retryAfterMs("999999999")).isEqualTo(999_999_999_000L);
        assertThat(Retries.retryAfterMs(null)).isEqualTo(-1);
        assertThat(Retries.retryAfterMs("")).isEqualTo(-1);
        assertThat(Retries.retryAfterMs("1000000000")).isEqualTo(-1);
        assertThat(Retries.retryAfterMs("-1")).isEqualTo(-1);
        assertThat(Retries.retryAfterMs("1.5")).isEqualTo(-1);
        assertThat(Retries.retryAfterMs("Wed, 21 Oct 2015 07:28:00 GMT")).isEqualTo(-1);
    }

    @Test
    void shouldRetryWhileAttemptsAreLeftTheClientIsThereAndTheDeadlineIsAhead() {
        RoutePolicy three = policy(3, false);
        assertThat(Retries.mayRetry(three, 1, false, true, NOW_NS, NO_DEADLINE)).isTrue();
        assertThat(Retries.mayRetry(three, 2, false, true, NOW_NS, NO_DEADLINE)).isTrue();
        assertThat(Retries.mayRetry(three, 3, false, true, NOW_NS, NO_DEADLINE)).isFalse();
        assertThat(Retries.mayRetry(three, 1, false, false, NOW_NS, NO_DEADLINE)).as("client gone").isFalse();
        assertThat(Retries.mayRetry(three, 1, false, true, NOW_NS, NOW_NS)).as("deadline now").isFalse();
        assertThat(Retries.mayRetry(three, 1, false, true, NOW_NS, NOW_NS + 1)).isTrue();
    }

    @Test
    void shouldTreatNoDeadlineAsNoneWhateverTheClockReads() {
        // System.nanoTime() may be negative: the "none" sentinel must not be subtracted from it (that overflows).
        RoutePolicy p = policy(3, false);
        for (long now : new long[] {Long.MIN_VALUE, -NOW_NS, -1, 0, NOW_NS}) {
            assertThat(Retries.mayRetry(p, 1, false, true, now, NO_DEADLINE)).as("now %d", now).isTrue();
            assertThat(Retries.waitBeforeRetryMs(p, 150, -1, now, NO_DEADLINE)).as("now %d", now).isEqualTo(150);
        }
    }

    @Test
    void shouldCompareDeadlinesAcrossTheClockWrapping() {
        RoutePolicy p = policy(3, false);
        long now = Long.MAX_VALUE - 1_000;
        long deadline = now + 2_000_000_000L; // past Long.MAX_VALUE: wraps to a negative reading
        assertThat(Retries.mayRetry(p, 1, false, true, now, deadline)).isTrue();
        assertThat(Retries.mayRetry(p, 1, false, true, deadline, deadline)).as("deadline now").isFalse();
        assertThat(Retries.waitBeforeRetryMs(p, 150, 1_999, now, deadline)).isEqualTo(1_999);
        assertThat(Retries.waitBeforeRetryMs(p, 150, 2_000, now, deadline)).as("ends at the deadline")
            .isEqualTo(Retries.GIVE_UP);
    }

    @Test
    void shouldNotResendARequestTheProviderMayHaveUnlessThePolicySaysSo() {
        assertThat(Retries.mayRetry(policy(3, false), 1, true, true, NOW_NS, NO_DEADLINE)).isFalse();
        assertThat(Retries.mayRetry(policy(3, true), 1, true, true, NOW_NS, NO_DEADLINE)).isTrue();
    }

    @Test
    void shouldWaitTheLongerOfBackoffAndRetryAfterWithinTheLimits() {
        RoutePolicy p = policy(3, false);
        assertThat(Retries.waitBeforeRetryMs(p, 150, -1, NOW_NS, NO_DEADLINE)).isEqualTo(150);
        assertThat(Retries.waitBeforeRetryMs(p, 150, 2_000, NOW_NS, NO_DEADLINE)).isEqualTo(2_000);
        assertThat(Retries.waitBeforeRetryMs(p, 150, 10_000, NOW_NS, NO_DEADLINE)).isEqualTo(10_000);
        assertThat(Retries.waitBeforeRetryMs(p, 150, 10_001, NOW_NS, NO_DEADLINE)).as("asks too long")
            .isEqualTo(Retries.GIVE_UP);
        long deadline = NOW_NS + 2_000_000_000L;
        assertThat(Retries.waitBeforeRetryMs(p, 150, 1_999, NOW_NS, deadline)).isEqualTo(1_999);
        assertThat(Retries.waitBeforeRetryMs(p, 150, 2_000, NOW_NS, deadline)).as("ends at the deadline")
            .isEqualTo(Retries.GIVE_UP);
    }
}
