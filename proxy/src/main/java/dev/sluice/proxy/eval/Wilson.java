package dev.sluice.proxy.eval;

/**
 * The Wilson score interval of a pass rate: unlike the normal approximation it stays inside [0, 1] and keeps its
 * coverage near 95% for few samples and for rates near 0 or 1. Thread-safe (stateless).
 */
public final class Wilson {
    /** The normal quantile of a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    private Wilson() {
    }

    /** The 95% interval {low, high} of {@code passes} out of {@code n} ({0, 1} when {@code n} is 0). */
    public static double[] interval95(long passes, long n) {
        if (n <= 0) {
            return new double[] {0, 1};
        }
        double z2 = Z95 * Z95;
        double p = (double) passes / n;
        double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }
}
