package dev.sluice.routing.admission.internal;

import java.util.Arrays;

/**
 * A per-minute limit over a sliding window of 60 one-second slots: what is added counts from the start of its
 * second until the same point a minute later (between 59 and 60 s after it was added), then leaves the window
 * whole. The count at a moment is the sum of the slots still in the window; a burst admits at most the limit in any
 * 59 s. Since every slot leaves at a known whole second, the time until one more fits ({@link #retryMs}) and until
 * the limit is whole again ({@link #resetMs}) are exact, both at most {@link #WINDOW_MS}, and the second never
 * sooner than the first. Allocation-free once the slots exist (on first use: a scope without this limit has none).
 * Thread-safe: each call holds this object's monitor while it walks at most 60 slots.
 */
public final class SlidingWindow {
    /** The length of the window: what is added counts for at most this long. */
    public static final long WINDOW_MS = 60_000;
    /** The length of one slot; slots start at whole multiples of it since the epoch. */
    public static final long SLOT_MS = 1_000;
    private static final int SLOTS = (int) (WINDOW_MS / SLOT_MS);

    /** Counts per slot, slot {@code s} at {@code Math.floorMod(s, SLOTS)}; null until something is added. */
    private long[] counts;
    /** The newest slot the window has moved to; the window holds slots {@code newest - SLOTS + 1 .. newest}. */
    private long newest = Long.MIN_VALUE;
    private long total;

    /** Returns the index of the slot that contains {@code nowMs}, for {@link #add}. */
    public static long slotOf(long nowMs) {
        return Math.floorDiv(nowMs, SLOT_MS);
    }

    /**
     * Adds {@code n} when the count plus {@code n} stays within {@code limit}; returns what remains of the limit
     * afterwards (>= 0), or -1 when refused (nothing added).
     */
    public synchronized long tryAdd(long nowMs, long n, long limit) {
        if (counts == null) {
            counts = new long[SLOTS];
        }
        roll(nowMs);
        if (total + n > limit) {
            return -1;
        }
        // A caller whose clock reads a little behind another's adds to the newest slot: it counts a little longer.
        counts[index(newest)] += n;
        total += n;
        return Math.max(0, limit - total);
    }

    /**
     * Corrects what was added in slot {@code slot} by {@code delta} (a settle: real minus estimated tokens, or a
     * rollback). Nothing happens once that slot has left the window. Counts never go below 0.
     */
    public synchronized void add(long slot, long delta) {
        if (counts == null || slot > newest || slot <= newest - SLOTS) {
            return;
        }
        int i = index(slot);
        long corrected = Math.max(0, counts[i] + delta);
        total += corrected - counts[i];
        counts[i] = corrected;
    }

    /** Returns what remains of {@code limit} at {@code nowMs} (>= 0). */
    public synchronized long remaining(long nowMs, long limit) {
        roll(nowMs);
        return Math.max(0, limit - total);
    }

    /**
     * Returns the milliseconds from {@code nowMs} until the count is back to 0, the limit whole again (0 to
     * {@link #WINDOW_MS}): when the newest slot holding something leaves the window. This is OpenAI's
     * {@code x-ratelimit-reset-*}. Never less than {@link #retryMs} for the same moment, limit and amount.
     */
    public synchronized long resetMs(long nowMs) {
        roll(nowMs);
        if (total == 0) {
            return 0;
        }
        long s = newest;
        while (counts[index(s)] == 0) {
            s--;
        }
        return leavesAtMs(s) - effectiveNowMs(nowMs);
    }

    /**
     * Returns the milliseconds from {@code nowMs} until {@code n} more fit within {@code limit} (0 when they fit
     * now, at most {@link #WINDOW_MS}): when enough of the oldest slots have left the window. This is the
     * {@code Retry-After} of a refusal. {@code n} greater than {@code limit} never fits: {@link #WINDOW_MS}.
     */
    public synchronized long retryMs(long nowMs, long n, long limit) {
        if (n > limit) {
            return WINDOW_MS;
        }
        roll(nowMs);
        long excess = total + n - limit;
        if (excess <= 0) {
            return 0;
        }
        for (long s = newest - SLOTS + 1; ; s++) {
            excess -= counts[index(s)];
            if (excess <= 0) {
                return leavesAtMs(s) - effectiveNowMs(nowMs);
            }
        }
    }

    /** The time slot {@code slot} leaves the window: a minute after it began. */
    private static long leavesAtMs(long slot) {
        return slot * SLOT_MS + WINDOW_MS;
    }

    /** {@code nowMs}, or the start of the newest slot when a caller's clock reads behind it. */
    private long effectiveNowMs(long nowMs) {
        return Math.max(nowMs, newest * SLOT_MS);
    }

    private static int index(long slot) {
        return (int) Math.floorMod(slot, (long) SLOTS);
    }

    /** Moves the window to the slot of {@code nowMs}, emptying the slots that left it. */
    private void roll(long nowMs) {
        long s = slotOf(nowMs);
        if (s <= newest || counts == null) {
            newest = Math.max(newest, s);
            return;
        }
        if (newest == Long.MIN_VALUE || s - newest >= SLOTS) {
            Arrays.fill(counts, 0);
            total = 0;
        } else {
            for (long gone = newest + 1; gone <= s; gone++) {
                int i = index(gone);
                total -= counts[i];
                counts[i] = 0;
            }
        }
        newest = s;
    }
}
