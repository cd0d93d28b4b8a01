package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Configuration versions are journaled in order among the requests, and readers skip them when joining. */
class ConfigRecordTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void shouldJournalConfigVersionsInOrderAmongRequests() throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(tmp.resolve("j")).mode(JournalMode.DIRECT)
            // Readers merge the partitions by wall time: boot at the epoch, before the records' own times.
            .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).build());
        JournalProducer producer = journal.newProducer(Runnable::run);
        journal.appendConfig(new ConfigRecord(1, "v-aaaaaaaaaaaa", "conf/sluice.yaml"));
        producer.append(Records.request(new RequestRecord(), 7, 2));
        producer.append(Records.ok(new EndRecord(), 7, 3));
        journal.appendConfig(new ConfigRecord(4, "v-bbbbbbbbbbbb", "conf/sluice.yaml"));
        journal.close();

        List<String> seen = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(tmp.resolve("j"))) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord r) {
                    seen.add("request " + r.requestId());
                }

                @Override
                public void onConfig(ConfigRecord c) {
                    seen.add("config " + c.version() + " " + c.source() + " @" + c.wallTimeMicros());
                }
            }, 100) > 0) {
                // read on
            }
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(seen).containsExactly("config v-aaaaaaaaaaaa conf/sluice.yaml @1", "request 7",
                "config v-bbbbbbbbbbbb conf/sluice.yaml @4");
        try (JournalReader reader = JournalReader.open(tmp.resolve("j"))) {
            assertThat(reader.last(10, 0)).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("ok"));
        }
    }
}
