package dev.sluice.proxy;

import dev.sluice.codec.Clock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The system clocks with a wall clock a test moves by jumps, forward or back; the monotonic counter is untouched
 * (timers keep running as they would). Thread-safe.
 */
final class JumpingClock implements Clock {
    private final AtomicLong offsetMicros = new AtomicLong();

    /** Moves the wall clock by {@code millis} (negative: back). */
    void jumpMillis(long millis) {
        offsetMicros.addAndGet(TimeUnit.MILLISECONDS.toMicros(millis));
    }

    @Override
    public long nanoTime() {
        return Clock.SYSTEM.nanoTime();
    }

    @Override
    public long wallMicros() {
        return Clock.SYSTEM.wallMicros() + offsetMicros.get();
    }
}
