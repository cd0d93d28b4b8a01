package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.bench.compare.Figures;
import dev.sluice.bench.compare.Figures.Measurement;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

class CompareReportTest {
    private static Measurement m(String target, double rps, long requests, double p50, double p99, double cpuS,
                                 List<String> logs) {
        return new Measurement(target, "lat-c1", rps, requests, 0, p50, p99, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, cpuS, 0, 80, 0.05, logs);
    }

    @Test
    void shouldWriteEveryRowWithItsAddedLatencyAndItsHdrHistogramLogs(@TempDir Path dir) throws Exception {
        List<Figures.Figure> figures = Figures.derive(List.of(
                m("portkey", 2_000, 4_000, 0.5, 1.25, 2.0, List.of("portkey-lat-c1.hlog")),
                m("direct", 20_000, 40_000, 0.05, 0.125, Double.NaN, List.of("direct-lat-c1.hlog"))));
        CompareReport report = new CompareReport(figures, Map.of(), Map.of(), Map.of("caddy", "not installed"),
                Map.of(), "bench/compare --scenarios lat-c1", dir);
        Path file = dir.resolve("compare.json");
        report.writeJson(file);

        JsonNode root = new ObjectMapper().readTree(file.toFile());
        JsonNode rows = root.path("results");
        assertThat(rows).hasSize(2);
        // direct first within its scenario, then the others in run order.
        assertThat(rows.get(0).path("target").asText()).isEqualTo("direct");
        assertThat(rows.get(0).path("hdr_log").get(0).asText()).isEqualTo("hdr/direct-lat-c1.hlog");
        JsonNode portkey = rows.get(1);
        assertThat(portkey.path("target").asText()).isEqualTo("portkey");
        assertThat(portkey.path("scenario").asText()).isEqualTo("lat-c1");
        assertThat(portkey.path("rps").asDouble()).isEqualTo(2_000);
        assertThat(portkey.path("rps_ratio_to_direct").asDouble()).isEqualTo(0.1);
        assertThat(portkey.path("cpu_us_per_req").asDouble()).isEqualTo(500);
        assertThat(portkey.path("added_p50_ms").asDouble()).isEqualTo(0.45);
        assertThat(portkey.path("added_p99_ms").asDouble()).isEqualTo(1.125);
        assertThat(portkey.path("rss_mb").asDouble()).isEqualTo(80);
        assertThat(portkey.path("hdr_log").toString()).isEqualTo("[\"hdr/portkey-lat-c1.hlog\"]");
        // No Portkey under this root: its version is null, not an error.
        assertThat(root.path("machine").has("portkey")).isTrue();
        assertThat(root.path("machine").path("portkey").isNull()).isTrue();
        assertThat(root.path("skipped").path("caddy").asText()).isEqualTo("not installed");
        assertThat(report.table()).contains("| lat-c1 | portkey | 2000 | 0.10 | 500.0 |");
    }
}
