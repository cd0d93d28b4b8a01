package dev.sluice.proxy.internal;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A histogram with fixed bucket bounds (inclusive upper bounds, ascending, in the unit values are recorded in:
 * nanoseconds, tokens). Recording is a short scan of the bounds and two atomic adds, no allocation. Thread-safe.
 */
final class Histogram {
    /**
     * Request durations: the OpenTelemetry GenAI bounds for operation duration (10 ms doubling to 81.92 s), in
     * nanoseconds.
     */
    static final long[] DURATION_NS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24,
            20.48, 40.96, 81.92);
    /** Time to first token: the GenAI bounds (1 ms to 10 s), in nanoseconds. */
    static final long[] TTFT_NS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
            5.0, 7.5, 10.0);
    /** Time per output token: the GenAI bounds (10 ms to 2.5 s), in nanoseconds. */
    static final long[] TPOT_NS = seconds(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5);
    /** Tokens of one request: the GenAI bounds (powers of 4 from 1 to 67,108,864). */
    static final long[] TOKENS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
        67108864};

    private final long[] bounds;
    /** One count per bound, then the one past the last bound (+Inf). */
    private final AtomicLongArray counts;
    private final LongAdder sum = new LongAdder();

    Histogram(long[] bounds) {
        this.bounds = bounds;
        this.counts = new AtomicLongArray(bounds.length + 1);
    }

    /** Counts {@code value} (negative values are not recorded). */
    void record(long value) {
        if (value < 0) {
            return;
        }
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
            i++;
        }
        counts.incrementAndGet(i);
        sum.add(value);
    }

    /** The sum of the values recorded. */
    long sum() {
        return sum.sum();
    }

    /** Adds this histogram's counts and sum to {@code into} (same bounds). */
    void addTo(Snapshot into) {
        for (int i = 0; i < into.counts.length; i++) {
            into.counts[i] += counts.get(i);
        }
        into.sum += sum.sum();
    }

    /** Counts of one or several histograms with the same bounds, added up for a scrape. Not thread-safe. */
    static final class Snapshot {
        private final long[] bounds;
        private final long[] counts;
        private long sum;

        Snapshot(long[] bounds) {
            this.bounds = bounds;
            this.counts = new long[bounds.length + 1];
        }

        long[] bounds() {
            return bounds;
        }

        long[] counts() {
            return counts;
        }

        long sum() {
            return sum;
        }

        long count() {
            long n = 0;
            for (long c : counts) {
                n += c;
            }
            return n;
        }

        /**
         * An estimate of the {@code q} quantile (0 to 1): linear within the bucket that holds it; the last bound
         * for the values past it. 0 without counts.
         */
        double quantile(double q) {
            long n = count();
            if (n == 0) {
                return 0;
            }
            double rank = q * n;
            long seen = 0;
            for (int i = 0; i < counts.length; i++) {
                if (counts[i] > 0 && seen + counts[i] >= rank) {
                    if (i == bounds.length) {
                        return bounds[bounds.length - 1];
                    }
                    double lower = i == 0 ? 0 : bounds[i - 1];
                    return lower + (bounds[i] - lower) * ((rank - seen) / counts[i]);
                }
                seen += counts[i];
            }
            return bounds[bounds.length - 1];
        }
    }

    private static long[] seconds(double... s) {
        long[] ns = new long[s.length];
        for (int i = 0; i < s.length; i++) {
            ns[i] = Math.round(s[i] * 1e9);
        }
        return ns;
    }
}
