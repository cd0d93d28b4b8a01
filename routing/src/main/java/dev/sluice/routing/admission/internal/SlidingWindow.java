package dev.sluice.routing.admission.internal;

/**
 * A per-minute limit over a sliding window approximated by two fixed 60 s windows: the estimate at a moment is the
 * previous window's count weighted by the part of it still inside the last minute, plus the current window's
 * count, the weighted part rounded up. A burst at any moment admits at most the limit within a minute.
 * Allocation-free.
 * Thread-safe: each call holds this object's monitor for a few arithmetic instructions (three words change
 * together on a roll, which one compare-and-set cannot cover).
 */
public final class SlidingWindow {
    /** The length of one fixed window. */
    public static final long WINDOW_MS = 60_000;

    private long window = Long.MIN_VALUE;
    private long previous;
    private long current;

    /** Returns the index of the fixed window that contains {@code nowMs}. */
    public static long windowOf(long nowMs) {
        return Math.floorDiv(nowMs, WINDOW_MS);
    }

    /** Returns the milliseconds from {@code nowMs} to the end of its fixed window (1 to 60,000). */
    public static long restOfWindowMs(long nowMs) {
        return WINDOW_MS - Math.floorMod(nowMs, WINDOW_MS);
    }

    /**
     * Adds {@code n} when the estimate plus {@code n} stays within {@code limit}; returns what remains of the limit
     * afterwards (>= 0), or -1 when refused (nothing added).
     */
    public synchronized long tryAdd(long nowMs, long n, long limit) {
        roll(nowMs);
        long estimate = estimate(nowMs);
        if (estimate + n > limit) {
            return -1;
        }
        current += n;
        return Math.max(0, limit - estimate - n);
    }

    /**
     * Corrects what was added in fixed window {@code windowIndex} by {@code delta} (a settle: real minus estimated
     * tokens, or a rollback). Nothing happens once that window has left the last minute. Counts never go below 0.
     */
    public synchronized void add(long windowIndex, long delta) {
        if (windowIndex == window) {
            current = Math.max(0, current + delta);
        } else if (windowIndex == window - 1) {
            previous = Math.max(0, previous + delta);
        }
    }

    /** Returns what remains of {@code limit} at {@code nowMs} (>= 0). */
    public synchronized long remaining(long nowMs, long limit) {
        roll(nowMs);
        return Math.max(0, limit - estimate(nowMs));
    }

    /** Returns the milliseconds until the estimate is back to 0 (the limit fully available again). */
    public synchronized long resetMs(long nowMs) {
        roll(nowMs);
        long rest = window == windowOf(nowMs) ? restOfWindowMs(nowMs) : WINDOW_MS;
        if (current > 0) {
            return rest + WINDOW_MS;
        }
        return previous > 0 ? rest : 0;
    }

    private void roll(long nowMs) {
        long w = windowOf(nowMs);
        if (w > window) {
            previous = w == window + 1 ? current : 0;
            current = 0;
            window = w;
        }
    }

    private long estimate(long nowMs) {
        // A caller whose clock reads a little behind another's counts as at the start of the current window.
        long elapsed = Math.min(WINDOW_MS - 1, Math.max(0, nowMs - window * WINDOW_MS));
        // Rounded up: the weighted part of the previous window is never counted as less than it is, so a burst
        // right after a window boundary cannot pass the limit (the shared admission script compares the exact
        // fraction, which for whole counts and limits decides the same).
        return (previous * (WINDOW_MS - elapsed) + WINDOW_MS - 1) / WINDOW_MS + current;
    }
}
