package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.cli.RequestJson;
import dev.sluice.journal.cli.SpendFormatter;

import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index answers what reading the files answers: every spend report from the start of a day (every dimension,
 * every team filter, two zones) is the same JSON as {@link SpendReport#read}, before and after more is appended;
 * a search of recent requests is the same list as a {@link ContentScan}, or refused when the window may miss some.
 */
class JournalIndexTest {
    private static final long DAY_MICROS = TimeUnit.DAYS.toMicros(1);
    /** 2026-11-01T00:00:00Z. */
    private static final long START_MICROS = 1_793_491_200_000_000L;

    @TempDir
    Path dir;

    @Test
    void shouldAnswerEverySpendReportAsTheFilesDoWhileTheJournalGrows() throws Exception {
        // 12 days of requests, about 3 hours apart, over two gateway runs.
        SpendWorkload.write(dir, 11, 96, START_MICROS + TimeUnit.HOURS.toMicros(5), DAY_MICROS / 8);
        ZoneId paris = ZoneId.of("Europe/Paris");
        try (JournalIndex utc = JournalIndex.create(List.of(dir), ZoneOffset.UTC, 64);
             JournalIndex local = JournalIndex.create(List.of(dir), paris, 64)) {
            catchUp(utc);
            catchUp(local);
            int compared = compareAll(utc) + compareAll(local);
            // More, later, into the same journal (a gateway started again: ids above the first run's): the index
            // reads only what is new.
            long before = utc.records();
            SpendWorkload.write(dir, 12, 80, START_MICROS + 11 * DAY_MICROS, DAY_MICROS / 10, 0x0191_0000_0000_0000L);
            catchUp(utc);
            catchUp(local);
            assertThat(utc.records()).isGreaterThan(before);
            compared += compareAll(utc) + compareAll(local);
            assertThat(compared).isEqualTo(2 * 2 * 8 * 4 * 21);
        }
    }

    @Test
    void shouldRefuseWhatItCannotAnswerExactly() throws Exception {
        SpendWorkload.write(dir, 13, 20, START_MICROS, DAY_MICROS / 4);
        try (JournalIndex index = JournalIndex.create(List.of(dir), ZoneOffset.UTC, 8)) {
            catchUp(index);
            long midday = START_MICROS / 1000 + TimeUnit.HOURS.toMillis(12);
            assertThat(index.spend(SpendDimension.TEAM, midday, ZoneOffset.UTC, null)).isNull();
            assertThat(index.spend(SpendDimension.TEAM, 0, ZoneId.of("Asia/Tokyo"), null)).isNull();
            assertThat(index.spend(SpendDimension.TEAM, 0, ZoneOffset.UTC, null)).isNotNull();
        }
    }

    @Test
    void shouldListRecentRequestsAsAScanDoesOrSayItCannot() throws Exception {
        SpendWorkload.write(dir, 14, 300, START_MICROS, 1_000_000);
        try (JournalIndex index = JournalIndex.create(List.of(dir), ZoneOffset.UTC, 50)) {
            catchUp(index);
            List<Predicate<JournalEntry>> filters = List.of(e -> true, e -> "research".equals(e.request().team()),
                e -> "key_c".equals(e.request().keyId()), e -> "ok".equals(e.outcome()));
            int answered = 0;
            int refused = 0;
            for (Predicate<JournalEntry> keep : filters) {
                for (long since : new long[] {Long.MIN_VALUE, START_MICROS + 200_000_000L, START_MICROS + 290_000_000L}) {
                    for (int limit : new int[] {5, 20, 100}) {
                        List<JournalEntry> fromIndex = index.recent(keep, since, limit);
                        List<String> fromFiles = scan(keep, since, limit);
                        if (fromIndex == null) {
                            refused++;
                            // Only when the window of 50 cannot hold the answer.
                            assertThat(fromFiles.size()).as("refused: files found").isGreaterThan(0);
                            continue;
                        }
                        answered++;
                        assertThat(fromIndex.stream().map(RequestJson::entry).toList()).isEqualTo(fromFiles);
                    }
                }
            }
            assertThat(answered).isGreaterThan(10);
            assertThat(refused).isGreaterThan(0);
            // A follower that saw up to n is given what finished after n, while the window holds it.
            long latest = index.finished();
            List<String> last12 = scan(e -> true, Long.MIN_VALUE, 12);
            assertThat(index.finishedAfter(latest - 12, e -> true).stream().map(RequestJson::entry).toList())
                .isEqualTo(last12);
            assertThat(index.finishedAfter(latest, e -> true)).isEmpty();
            assertThat(index.finishedAfter(0, e -> true)).hasSize(50);
            // The time hint of a request id is at or before its start, and finds what a read from the start finds.
            int hinted = 0;
            for (JournalEntry e : index.finishedAfter(latest - 20, x -> true)) {
                long id = e.requestId();
                long hint = index.requestTimeHint(id);
                assertThat(hint).isLessThanOrEqualTo(e.request().wallTimeMicros()).isGreaterThan(Long.MIN_VALUE);
                assertThat(RequestJson.of(RequestHistory.find(List.of(dir), id, hint)))
                    .isEqualTo(RequestJson.of(RequestHistory.find(List.of(dir), id)));
                hinted++;
            }
            assertThat(hinted).isEqualTo(20);
            assertThat(index.requestTimeHint(1)).isEqualTo(Long.MIN_VALUE);
        }
    }

    private List<String> scan(Predicate<JournalEntry> keep, long since, int limit) {
        ArrayDeque<String> found = new ArrayDeque<>();
        new ContentScan().scan(List.of(dir), r -> r.wallTimeMicros() >= since, false, h -> {
            if (keep.test(h.entry())) {
                found.addLast(RequestJson.entry(h.entry()));
                if (found.size() > limit) {
                    found.removeFirst();
                }
            }
        });
        return new ArrayList<>(found);
    }

    private static void catchUp(JournalIndex index) {
        while (index.catchUp(100) > 0) {
            // read on
        }
    }

    /** Every dimension, team filter and day start (and 0): index and files give the same JSON. */
    private int compareAll(JournalIndex index) {
        ZoneId zone = index.zone();
        List<Long> sinces = new ArrayList<>();
        sinces.add(0L);
        LocalDate first = LocalDate.ofEpochDay(Math.floorDiv(START_MICROS, DAY_MICROS)).minusDays(1);
        for (int d = 0; d < 20; d++) {
            sinces.add(first.plusDays(d).atStartOfDay(zone).toInstant().toEpochMilli());
        }
        int compared = 0;
        for (SpendDimension by : SpendDimension.values()) {
            for (String team : new String[] {null, "research", "support", "nobody"}) {
                for (long since : sinces) {
                    SpendReport fromIndex = index.spend(by, since, zone, team);
                    SpendReport fromFiles = SpendReport.read(List.of(dir), by, since, zone, team);
                    assertThat(fromIndex).as("%s since %d team %s", by, since, team).isNotNull();
                    assertThat(SpendFormatter.json(fromIndex, true)).as("%s since %d team %s", by, since, team)
                        .isEqualTo(SpendFormatter.json(fromFiles, true));
                    compared++;
                }
            }
        }
        return compared;
    }
}
