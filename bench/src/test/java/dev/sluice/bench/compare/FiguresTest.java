package dev.sluice.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.sluice.bench.compare.Figures.Figure;
import dev.sluice.bench.compare.Figures.Measurement;

import org.junit.jupiter.api.Test;

import java.util.List;

class FiguresTest {
    private static final double NAN = Double.NaN;

    private static Measurement m(String target, String scenario, double rps, long requests, double p50, double p99,
                                 double ttft50, double ttft99, double cpuS, int events) {
        return new Measurement(target, scenario, rps, requests, 0, p50, p99, ttft50, ttft99, NAN, NAN, cpuS, events,
                100, 0.1, List.of());
    }

    @Test
    void shouldTakeRatiosAndAddedLatencyAgainstDirectOfTheSameScenario() {
        List<Figure> f = Figures.derive(List.of(
                m("sluice", "json", 20_000, 300_000, 1.5, 4.0, NAN, NAN, 9.0, 0),
                m("direct", "json", 40_000, 600_000, 0.5, 1.0, NAN, NAN, NAN, 0),
                m("direct", "sse", 10_000, 150_000, 2.0, 5.0, 1.0, 3.0, NAN, 0),
                m("nginx", "sse", 8_000, 120_000, 2.5, 7.5, 1.25, 3.5, 3.6, 0)));
        Figure sluiceJson = f.get(0);
        assertThat(sluiceJson.ratio()).isCloseTo(0.5, within(1e-9));
        assertThat(sluiceJson.cpuUsPerRequest()).isCloseTo(30.0, within(1e-9));
        assertThat(sluiceJson.addedP50Ms()).isCloseTo(1.0, within(1e-9));
        assertThat(sluiceJson.addedP99Ms()).isCloseTo(3.0, within(1e-9));
        assertThat(sluiceJson.cpuUsPerEvent()).isNaN();

        Figure nginxSse = f.get(3);
        assertThat(nginxSse.ratio()).isCloseTo(0.8, within(1e-9));
        assertThat(nginxSse.cpuUsPerRequest()).isCloseTo(30.0, within(1e-9));
        assertThat(nginxSse.addedTtftP50Ms()).isCloseTo(0.25, within(1e-9));
        assertThat(nginxSse.addedTtftP99Ms()).isCloseTo(0.5, within(1e-9));
        assertThat(nginxSse.addedP99Ms()).isCloseTo(2.5, within(1e-9));

        Figure direct = f.get(1);
        assertThat(direct.ratio()).isCloseTo(1.0, within(1e-9));
        assertThat(direct.addedP50Ms()).isZero();
        assertThat(direct.cpuUsPerRequest()).isNaN();
    }

    @Test
    void shouldGiveCpuPerEventForPacedStreams() {
        List<Figure> f = Figures.derive(List.of(
                m("direct", "sse-paced", 270, 4_000, 230, 240, 20.5, 21.5, NAN, 22),
                m("sluice", "sse-paced", 268, 4_000, 231, 243, 21.0, 23.5, 1.76, 22)));
        assertThat(f.get(1).cpuUsPerRequest()).isCloseTo(440.0, within(1e-9));
        assertThat(f.get(1).cpuUsPerEvent()).isCloseTo(20.0, within(1e-9));
        assertThat(f.get(1).addedTtftP99Ms()).isCloseTo(2.0, within(1e-9));
    }

    @Test
    void shouldLeaveFiguresOpenWithoutDirect() {
        Figure f = Figures.derive(List.of(m("haproxy", "seq", 5_000, 75_000, 0.2, 0.4, 0.3, 0.5, 1.5, 0))).get(0);
        assertThat(f.ratio()).isNaN();
        assertThat(f.addedP50Ms()).isNaN();
        assertThat(f.cpuUsPerRequest()).isCloseTo(20.0, within(1e-9));
    }
}
