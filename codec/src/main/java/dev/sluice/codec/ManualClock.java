package dev.sluice.codec;

import java.util.concurrent.TimeUnit;

/**
 * A clock that moves only when told to, for tests that check what happens when a limit, a window or a deadline
 * passes without waiting for it. Both readings move together: {@link #advance} adds to the monotonic counter and
 * the wall clock alike.
 * <p>
 * Threading: thread-safe (volatile readings; {@link #advance} is meant for one test thread).
 */
public final class ManualClock implements Clock {
    private volatile long nanos;
    private volatile long wallMicros;

    /** A clock at monotonic time 0 and wall time {@code wallMicros}. */
    public ManualClock(long wallMicros) {
        this.wallMicros = wallMicros;
    }

    /** Moves both readings forward by {@code amount} of {@code unit}. */
    public ManualClock advance(long amount, TimeUnit unit) {
        long ns = unit.toNanos(amount);
        nanos += ns;
        wallMicros += ns / 1000;
        return this;
    }

    @Override
    public long nanoTime() {
        return nanos;
    }

    @Override
    public long wallMicros() {
        return wallMicros;
    }

    @Override
    public String toString() {
        return "ManualClock{nanos=" + nanos + ", wallMicros=" + wallMicros + '}';
    }
}
