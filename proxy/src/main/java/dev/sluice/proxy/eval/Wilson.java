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

    /**
     * The 95% interval {low, high} of the difference of two pass rates, {@code a} minus {@code b} (Newcombe's
     * hybrid score interval, from the two Wilson intervals).
     */
    public static double[] difference95(long passesA, long nA, long passesB, long nB) {
        double pa = nA == 0 ? 0 : (double) passesA / nA;
        double pb = nB == 0 ? 0 : (double) passesB / nB;
        double[] wa = interval95(passesA, nA);
        double[] wb = interval95(passesB, nB);
        double d = pa - pb;
        return new double[] {d - Math.sqrt(sq(pa - wa[0]) + sq(wb[1] - pb)),
            d + Math.sqrt(sq(wa[1] - pa) + sq(pb - wb[0]))};
    }

    private static double sq(double x) {
        return x * x;
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
