package dev.sluice.mock.internal;

/**
 * The mock provider's time. It stands in for a remote provider, whose clock is its own, so it reads the system's
 * clocks, here and nowhere else in the mock: the monotonic counter for when a request arrived or its peer closed,
 * the wall clock for the {@code created} times of its answers.
 * <p>
 * Thread-safe (stateless).
 */
final class MockTime {
    private MockTime() {
    }

    /** The system's monotonic nanoseconds (for differences only). */
    static long nanoTime() {
        return System.nanoTime(); // style-exception(clockRead): a stand-in provider keeps its own time
    }

    /** Seconds since the epoch, the unit of the providers' {@code created} fields. */
    static long epochSeconds() {
        return System.currentTimeMillis() / 1000; // style-exception(clockRead): a stand-in provider's own time
    }
}
