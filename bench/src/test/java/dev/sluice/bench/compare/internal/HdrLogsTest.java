package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;

class HdrLogsTest {
    @Test
    void shouldNameALogByTargetScenarioAndPart() {
        assertThat(HdrLogs.name("portkey", "lat-c64", null)).isEqualTo("portkey-lat-c64.hlog");
        assertThat(HdrLogs.name("direct", "seq", "sse")).isEqualTo("direct-seq-sse.hlog");
        assertThat(HdrLogs.name("nginx", "paced-max", "128-probe")).isEqualTo("nginx-paced-max-128-probe.hlog");
        assertThat(HdrLogs.listed("direct-seq-sse.hlog")).isEqualTo("hdr/direct-seq-sse.hlog");
    }

    @Test
    void shouldClearOnlyTheLogsOfAnEarlierRun(@TempDir Path results) throws IOException {
        HdrLogs logs = new HdrLogs(results);
        logs.reset();
        Files.writeString(logs.dir().resolve("old-json.hlog"), "x");
        Files.writeString(logs.dir().resolve("notes.txt"), "kept");
        Files.writeString(logs.attemptDir(1).resolve("old-sse.hlog"), "x");
        logs.reset();
        try (var files = Files.list(logs.dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("notes.txt");
        }
    }

    @Test
    void shouldKeepTheChosenAttemptOnlyAndReplaceAnEarlierLog(@TempDir Path results) throws IOException {
        HdrLogs logs = new HdrLogs(results);
        logs.reset();
        Files.writeString(logs.dir().resolve("nginx-json.hlog"), "earlier run");
        Files.writeString(logs.attemptDir(0).resolve("nginx-json.hlog"), "attempt 0");
        Files.writeString(logs.attemptDir(1).resolve("nginx-json.hlog"), "attempt 1");
        logs.discard(1);
        logs.keep(0, List.of("nginx-json.hlog"));
        assertThat(Files.readString(logs.dir().resolve("nginx-json.hlog"))).isEqualTo("attempt 0");
        try (var files = Files.list(logs.dir())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("nginx-json.hlog");
        }
    }

    @Test
    void shouldCopyAReportedRunSoThatItsListedPathsResolve(@TempDir Path results) throws IOException {
        HdrLogs logs = new HdrLogs(results);
        logs.reset();
        Path report = Files.writeString(results.resolve("compare.json"), "{\"results\":[]}");
        Files.writeString(logs.dir().resolve("direct-lat-c1.hlog"), "log");
        Files.writeString(logs.dir().resolve("stale.hlog"), "not listed");
        Path runs = results.resolve("runs");
        Path run = HdrLogs.nextRunDir(runs, LocalDate.of(2026, 12, 6));
        assertThat(run).isEqualTo(runs.resolve("2026-12-06-1"));

        logs.keepRun(report, List.of("direct-lat-c1.hlog"), run);
        assertThat(Files.readString(run.resolve("compare.json"))).isEqualTo("{\"results\":[]}");
        assertThat(Files.readString(run.resolve(HdrLogs.listed("direct-lat-c1.hlog")))).isEqualTo("log");
        assertThat(run.resolve("hdr/stale.hlog")).doesNotExist();
        assertThat(HdrLogs.nextRunDir(runs, LocalDate.of(2026, 12, 6))).isEqualTo(runs.resolve("2026-12-06-2"));
        assertThatThrownBy(() -> logs.keepRun(report, List.of(), run)).isInstanceOf(IOException.class)
                .hasMessageContaining("already holds a kept run");
    }
}
