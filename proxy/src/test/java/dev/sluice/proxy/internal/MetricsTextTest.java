package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MetricsTextTest {
    @Test
    void shouldEscapeLabelValuesAndHelpAsTheTextFormatSays() {
        MetricsText m = new MetricsText(256);
        m.family("x_total", "counter", "a \\ and a\nnewline").sample("x_total", 3, "team", "a\"b\\c\nd");
        assertThat(m.toString()).isEqualTo("# HELP x_total a \\\\ and a\\nnewline\n# TYPE x_total counter\n"
                + "x_total{team=\"a\\\"b\\\\c\\nd\"} 3\n");
    }

    @Test
    void shouldCountEachValueInTheFirstBucketThatHoldsItCumulatively() {
        Histogram h = new Histogram(new long[] {10, 100});
        for (long v : new long[] {0, 10, 11, 100, 101, 5_000, -1}) {
            h.record(v);
        }
        Histogram.Snapshot s = new Histogram.Snapshot(new long[] {10, 100});
        h.addTo(s);
        h.addTo(s);
        MetricsText m = new MetricsText(256);
        m.histogram("d_seconds", s, 1e3, "alias", "a");
        assertThat(m.toString()).isEqualTo("d_seconds_bucket{alias=\"a\",le=\"0.01\"} 4\n"
                + "d_seconds_bucket{alias=\"a\",le=\"0.1\"} 8\n"
                + "d_seconds_bucket{alias=\"a\",le=\"+Inf\"} 12\n"
                + "d_seconds_sum{alias=\"a\"} 10.444\n"
                + "d_seconds_count{alias=\"a\"} 12\n");
    }
}
