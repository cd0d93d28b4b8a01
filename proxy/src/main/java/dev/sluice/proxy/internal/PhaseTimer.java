package dev.sluice.proxy.internal;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The one timer of an exchange: either the limit of the current phase (first token, silence between reads, the
 * whole request) or the wait before a retry. A phase change that moves the limit later keeps the timer already
 * set: it fires, finds the limit not reached, and is set again for the rest, so the commit of every request costs
 * no cancel and schedule. Confined to the client channel's event loop.
 */
final class PhaseTimer {
    /** Shortest delay scheduled: a limit already passed fires after this, not at once inside the caller. */
    private static final long MIN_DELAY_NS = 1_000_000L;

    private final EventLoop loop;
    private final Runnable onLimit;
    private ScheduledFuture<?> future;
    private boolean forLimit;
    private long firesAtNs;

    /** A timer on {@code loop} that runs {@code onLimit} when a phase limit set by {@link #limit} may be due. */
    PhaseTimer(EventLoop loop, Runnable onLimit) {
        this.loop = loop;
        this.onLimit = onLimit;
    }

    /** Makes the timer fire no later than {@code limitNs} ({@code Long.MAX_VALUE}: no limit). */
    void limit(long limitNs, long nowNs) {
        if (future != null && forLimit && (limitNs == Long.MAX_VALUE || limitNs - firesAtNs >= 0)) {
            // Set already to fire no later than this limit; it is set again for the rest when it fires.
            return;
        }
        cancel();
        if (limitNs != Long.MAX_VALUE) {
            long delayNs = Math.max(limitNs - nowNs, MIN_DELAY_NS);
            future = loop.schedule(this::fired, delayNs, TimeUnit.NANOSECONDS);
            forLimit = true;
            firesAtNs = nowNs + delayNs;
        }
    }

    /** Runs {@code retry} after {@code delayMs}, replacing any limit. */
    void retryIn(long delayMs, Runnable retry) {
        cancel();
        future = loop.schedule(() -> {
            future = null;
            retry.run();
        }, delayMs, TimeUnit.MILLISECONDS);
        forLimit = false;
    }

    void cancel() {
        if (future != null) {
            future.cancel(false);
            future = null;
        }
    }

    private void fired() {
        future = null;
        onLimit.run();
    }
}
