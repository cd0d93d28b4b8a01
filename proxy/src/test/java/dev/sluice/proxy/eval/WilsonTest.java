package dev.sluice.proxy.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The intervals the reports print, against values computed by hand from their formulas. */
class WilsonTest {
    @Test
    void wilsonIntervalsStayInsideZeroToOne() {
        double[] ci = Wilson.interval95(8, 10);
        assertThat(ci[0]).isCloseTo(0.4902, within(1e-4));
        assertThat(ci[1]).isCloseTo(0.9433, within(1e-4));
        assertThat(Wilson.interval95(10, 10)[1]).isCloseTo(1.0, within(1e-12));
        assertThat(Wilson.interval95(10, 10)[0]).isCloseTo(0.7225, within(1e-4));
        assertThat(Wilson.interval95(0, 10)[0]).isEqualTo(0.0);
        assertThat(Wilson.interval95(0, 0)).containsExactly(0, 1);
    }

    @Test
    void newcombeDifferenceIsSignedCandidateMinusBaseline() {
        double[] same = Wilson.difference95(400, 500, 400, 500);
        assertThat(same[0]).isNegative();
        assertThat(same[1]).isPositive();
        assertThat(same[0]).isCloseTo(-same[1], within(1e-12));
        double[] worse = Wilson.difference95(300, 500, 400, 500);
        assertThat(worse[1]).isNegative();
        assertThat(worse[0]).isGreaterThan(-0.26);
    }

    @Test
    void tQuantilesMeetTheNormalsFromAbove() {
        assertThat(EvalComparison.t975(1)).isEqualTo(12.706);
        assertThat(EvalComparison.t975(29)).isEqualTo(2.045);
        assertThat(EvalComparison.t975(49)).isCloseTo(2.0096, within(1e-3));
        assertThat(EvalComparison.t975(100_000)).isCloseTo(Wilson.Z95, within(1e-4));
    }
}
