package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Admin records round-trip among the other records, from several threads, and readers that join skip them. */
class AdminRecordTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void shouldRoundTripAdminRecordsInOrderAmongRequests() throws Exception {
        Path dir = tmp.resolve("j");
        String longDetail = "x".repeat(3000);
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            // Readers merge the partitions by wall time: boot at the epoch, before the records' own times.
            .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            journal.appendAdmin(new AdminRecord(1, "admin", "key.create", "key_a", AdminOutcome.OK, "team research"));
            producer.append(Records.request(new RequestRecord(), 7, 2));
            producer.append(Records.ok(new EndRecord(), 7, 3));
            journal.appendAdmin(new AdminRecord(4, "team:research", "key.revoke", "key_zz", AdminOutcome.NOT_FOUND,
                ""));
            journal.appendAdmin(new AdminRecord(5, "", "auth.denied", "", AdminOutcome.DENIED, longDetail));
        }
        List<String> seen = new ArrayList<>();
        List<AdminRecord> admins = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    seen.add("request " + r.requestId());
                }

                @Override
                public void onAdmin(AdminRecord a) {
                    seen.add(a.action() + " " + a.actor() + " " + a.target() + " " + a.outcome().wireName() + " @"
                        + a.wallTimeMicros());
                    admins.add(a);
                }
            }, 100) > 0) {
                // read on
            }
            assertThat(reader.undecodableRecords()).isZero();
            assertThat(reader.last(10, 0)).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("ok"));
        }
        assertThat(seen).containsExactly("key.create admin key_a ok @1", "request 7",
            "key.revoke team:research key_zz not_found @4", "auth.denied   denied @5");
        assertThat(admins.get(0).detail()).isEqualTo("team research");
        assertThat(admins.get(1).detail()).isEmpty();
        assertThat(admins.get(2).detail()).hasSize(1024);
        // Spend ignores admin records.
        assertThat(SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE).total().requests()).isEqualTo(1);
    }

    @Test
    @Timeout(30)
    void shouldAppendFromSeveralThreadsAndRefuseWhenClosed() throws Exception {
        Path dir = tmp.resolve("j");
        Journal journal = Journal.open(JournalSettings.builder(dir).build());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        journal.appendAdmin(new AdminRecord(thread * 1000L + i, "admin", "key.rotate",
                            "key_" + thread, AdminOutcome.OK, "n=" + i));
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(20, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
            journal.close();
        }
        assertThatThrownBy(() -> journal.appendAdmin(new AdminRecord(1, "a", "b", "c", AdminOutcome.OK, "")))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        List<AdminRecord> admins = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onAdmin(AdminRecord a) {
                    admins.add(a);
                }
            }, 100) > 0) {
                // read on
            }
        }
        assertThat(admins).hasSize(200);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            // Each thread's records in its own order.
            assertThat(admins.stream().filter(a -> a.target().equals("key_" + thread)).map(AdminRecord::detail))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 50).mapToObj(i -> "n=" + i).toList());
        }
    }

    @Test
    void shouldMapOutcomeIdsBothWays() {
        for (AdminOutcome o : AdminOutcome.values()) {
            assertThat(AdminOutcome.fromId(o.id())).isSameAs(o);
        }
        assertThat(AdminOutcome.fromId(99)).isNull();
        assertThat(AdminOutcome.DENIED.wireName()).isEqualTo("denied");
        for (AdminOutcome o : AdminOutcome.values()) {
            assertThat(AdminOutcome.fromWireName(o.wireName())).isSameAs(o);
        }
        assertThat(AdminOutcome.fromWireName("error")).isSameAs(AdminOutcome.ERROR);
        assertThatThrownBy(() -> AdminOutcome.fromWireName("maybe")).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("maybe");
        AdminRecord noTarget = new AdminRecord(1, "anonymous", "keys.list", null, AdminOutcome.DENIED, null);
        assertThat(noTarget.target()).isEmpty();
        assertThat(noTarget.detail()).isEmpty();
    }
}
