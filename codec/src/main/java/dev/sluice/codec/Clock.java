package dev.sluice.codec;

import java.time.Instant;

/**
 * The gateway's one source of time: a monotonic nanosecond counter for durations, timers and deadlines, and the
 * wall clock in microseconds and milliseconds for records and time windows. Code on the request path takes a clock
 * in its constructor instead of calling {@link System#nanoTime()} or {@link System#currentTimeMillis()}, so a test
 * moves time ({@link ManualClock}) instead of waiting for it.
 * <p>
 * Threading: implementations are thread-safe; {@link #SYSTEM} is stateless.
 */
public interface Clock {
    /** The system's clocks: {@link System#nanoTime()} and the wall clock. */
    Clock SYSTEM = new Clock() {
        @Override
        public long nanoTime() {
            return System.nanoTime(); // style-exception(clockRead): the system clock itself
        }

        @Override
        public long wallMicros() {
            Instant now = Instant.now(); // style-exception(clockRead): the system clock itself
            return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        }

        @Override
        public long wallMs() {
            return System.currentTimeMillis(); // style-exception(clockRead): the system clock itself
        }

        @Override
        public String toString() {
            return "Clock.SYSTEM";
        }
    };

    /** Monotonic nanoseconds, for differences only (the value may wrap: compare by subtraction). */
    long nanoTime();

    /** Microseconds since the epoch. */
    long wallMicros();

    /** Milliseconds since the epoch. */
    default long wallMs() {
        return wallMicros() / 1000;
    }
}
