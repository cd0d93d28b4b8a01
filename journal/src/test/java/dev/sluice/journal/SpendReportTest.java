package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SpendReportTest {
    private static final long T0 = micros("2026-11-20T08:00:00Z");
    // 2000 requests 7 minutes apart: about ten days.
    private static final long STEP = 7 * 60 * 1_000_000L;
    private static final int REQUESTS = 2000;

    @TempDir
    Path tmp;

    private Path dir;
    private SpendWorkload workload;

    @BeforeEach
    void writeWorkload() throws Exception {
        dir = tmp.resolve("journal");
        workload = SpendWorkload.write(dir, 42, REQUESTS, T0, STEP);
    }

    @ParameterizedTest
    @EnumSource(SpendDimension.class)
    @Timeout(60)
    void shouldMatchTheSumOfTheEndRecordsForEveryDimension(SpendDimension by) {
        SpendReport report = SpendReport.read(dir, by, Long.MIN_VALUE);
        EndRecordSums expected = EndRecordSums.of(dir, by, Long.MIN_VALUE, ZoneOffset.UTC);

        assertThat(EndRecordSums.sums(report.total())).containsExactly(expected.total);
        assertThat(groups(report)).containsExactlyInAnyOrderEntriesOf(expected.groups);
        assertThat(report.unfinishedRequests()).isEqualTo(expected.unfinished).isEqualTo(workload.leftInFlight);
        // Every request with an end counted once: the generator's ends plus recovery's interrupted ones.
        assertThat(report.total().requests()).isEqualTo(workload.endsWritten + workload.recoveredAtRestart);
        assertThat(workload.recoveredAtRestart).isPositive();
        assertThat(workload.leftInFlight).isPositive();
        long[] ofGroups = new long[7];
        for (SpendRow row : report.rows()) {
            long[] s = EndRecordSums.sums(row);
            for (int i = 0; i < s.length; i++) {
                ofGroups[i] += s[i];
            }
        }
        assertThat(ofGroups).containsExactly(EndRecordSums.sums(report.total()));
    }

    @Test
    @Timeout(60)
    void shouldCountUnknownCostsApartAndSumLargeCostsExactly() {
        SpendReport report = SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE);
        SpendRow total = report.total();
        assertThat(total.unpricedRequests()).isPositive().isLessThan(total.requests());
        assertThat(total.estimatedRequests()).isPositive();
        // Hundreds of costs of 4e14 micros: beyond a double's exact integers once summed with small ones.
        assertThat(total.costMicros()).isGreaterThan(1L << 53);
        assertThat(report.rows()).extracting(SpendRow::key).contains("research", "support", "growth", "-")
            .doesNotContainNull();
        assertThat(report.rows()).isSortedAccordingTo(
            (a, b) -> Long.compare(b.costMicros(), a.costMicros()));
        assertThat(SpendReport.read(dir, SpendDimension.PROJECT, Long.MIN_VALUE).rows()).extracting(SpendRow::key)
            .containsExactlyInAnyOrder("atlas", "orion", "-");
        assertThat(SpendReport.read(dir, SpendDimension.USE_CASE, Long.MIN_VALUE).rows()).extracting(SpendRow::key)
            .contains("classify, fast");
    }

    @ParameterizedTest
    @EnumSource(value = SpendDimension.class, names = {"TEAM", "MODEL", "DAY"})
    @Timeout(60)
    void shouldCountOnlyRequestsAtOrAfterSince(SpendDimension by) {
        long sinceMicros = T0 + 1234 * STEP;
        SpendReport report = SpendReport.read(dir, by, sinceMicros / 1000);
        EndRecordSums expected = EndRecordSums.of(dir, by, sinceMicros, ZoneOffset.UTC);

        assertThat(EndRecordSums.sums(report.total())).containsExactly(expected.total);
        assertThat(groups(report)).containsExactlyInAnyOrderEntriesOf(expected.groups);
        assertThat(report.total().requests()).isLessThan(SpendReport.read(dir, by, Long.MIN_VALUE).total().requests())
            .isGreaterThan(REQUESTS / 5);
        assertThat(report.sinceMs()).isEqualTo(sinceMicros / 1000);
        // Since the exact wall time of a request includes it; one microsecond later excludes it.
        long atRequest = SpendReport.read(dir, by, sinceMicros / 1000).total().requests();
        long after = SpendReport.read(dir, by, sinceMicros / 1000 + 1).total().requests();
        assertThat(atRequest - after).isBetween(0L, 1L);
        assertThat(SpendReport.read(dir, by, micros("2030-01-01T00:00:00Z") / 1000).rows()).isEmpty();
    }

    @Test
    @Timeout(60)
    void shouldGroupDaysInTheGivenZone() {
        ZoneId newYork = ZoneId.of("America/New_York");
        SpendReport utc = SpendReport.read(dir, SpendDimension.DAY, Long.MIN_VALUE);
        SpendReport local = SpendReport.read(dir, SpendDimension.DAY, Long.MIN_VALUE, newYork);

        assertThat(groups(local)).containsExactlyInAnyOrderEntriesOf(
            EndRecordSums.of(dir, SpendDimension.DAY, Long.MIN_VALUE, newYork).groups);
        assertThat(local.zone()).isEqualTo(newYork);
        // The first request is 2026-11-20T08:00Z: 03:00 the same day in New York; the days shift, the total not.
        assertThat(utc.rows().get(0).key()).isEqualTo("2026-11-20");
        assertThat(local.rows().get(0).key()).isEqualTo("2026-11-20");
        assertThat(utc.rows()).extracting(SpendRow::key).isSorted();
        assertThat(local.rows()).extracting(SpendRow::key).isSorted();
        assertThat(groups(local)).isNotEqualTo(groups(utc));
        assertThat(EndRecordSums.sums(local.total())).containsExactly(EndRecordSums.sums(utc.total()));
    }

    @Test
    @Timeout(30)
    void shouldSplitDaysAtMidnightOfTheZone() throws Exception {
        Path small = tmp.resolve("small");
        try (Journal journal = Journal.open(JournalSettings.builder(small).mode(JournalMode.DIRECT).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            RequestRecord r = new RequestRecord();
            EndRecord e = new EndRecord();
            // 23:30 and 00:30 UTC: two days in UTC, one (the 26th, 18:30 and 19:30) in New York.
            long[] walls = {micros("2026-11-26T23:30:00Z"), micros("2026-11-27T00:30:00Z")};
            for (int i = 0; i < walls.length; i++) {
                producer.append(Records.request(r, i + 1, walls[i]));
                producer.append(Records.ok(e, i + 1, walls[i] + 10));
            }
        }
        assertThat(SpendReport.read(small, SpendDimension.DAY, Long.MIN_VALUE).rows())
            .extracting(SpendRow::key, SpendRow::requests, SpendRow::costMicros)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("2026-11-26", 1L, 1_234L),
                org.assertj.core.groups.Tuple.tuple("2026-11-27", 1L, 1_234L));
        assertThat(SpendReport.read(small, SpendDimension.DAY, Long.MIN_VALUE, ZoneId.of("America/New_York")).rows())
            .extracting(SpendRow::key, SpendRow::requests, SpendRow::costMicros)
            .containsExactly(org.assertj.core.groups.Tuple.tuple("2026-11-26", 2L, 2_468L));
        assertThat(SpendReport.read(small, SpendDimension.DAY, Long.MIN_VALUE, ZoneId.of("Asia/Tokyo")).rows())
            .extracting(SpendRow::key).containsExactly("2026-11-27");
    }

    @Test
    @Timeout(30)
    void shouldRefuseADirectoryWithoutJournal() {
        assertThatThrownBy(() -> SpendReport.read(tmp.resolve("none"), SpendDimension.TEAM, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata.cq4t");
    }

    private static Map<String, long[]> groups(SpendReport report) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (SpendRow row : report.rows()) {
            out.put(row.key(), EndRecordSums.sums(row));
        }
        return out;
    }

    static long micros(String instant) {
        Instant i = Instant.parse(instant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
