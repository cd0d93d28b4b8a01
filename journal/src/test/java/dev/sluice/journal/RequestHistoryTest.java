package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.journal.internal.MergedTailer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RequestHistory#find}: a lookup starts at the cycle its id's time points to, and still finds a request whose
 * id points past it (an id of another form, a clock set back) by reading the journal from its start.
 */
class RequestHistoryTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(120)
    void shouldFindRequestsInEveryCycleAlsoWhenTheirIdPointsPastThem() throws Exception {
        Path dir = tmp.resolve("a/journal");
        long startMs = System.currentTimeMillis();
        RequestIds ids = new RequestIds(startMs);
        // Handed out by a gateway whose clock ran a day ahead: its id points past every cycle of this journal.
        long ahead = new RequestIds(startMs + Duration.ofDays(1).toMillis()).next();
        long inFlight = ids.next();
        List<Long> written = new ArrayList<>();
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
                .rollCycle("TEST_SECONDLY").build());
             ProducerThread loop = new ProducerThread("loop-h")) {
            JournalProducer producer = journal.newProducer(loop.executor);
            RequestRecord request = new RequestRecord();
            EndRecord end = new EndRecord();
            for (int round = 0; round < 3; round++) {
                int r = round;
                loop.executor.submit(() -> {
                    for (int i = 0; i < 5; i++) {
                        long id = r == 0 && i == 0 ? ahead : ids.next();
                        long micros = System.currentTimeMillis() * 1_000;
                        producer.append(Records.request(request, id, micros));
                        producer.append(Records.ok(end, id, micros + 1));
                        written.add(id);
                    }
                    if (r == 2) {
                        // Still running when the journal is read: a request without an end.
                        producer.append(Records.request(request, inFlight, System.currentTimeMillis() * 1_000));
                    }
                }).get(30, SECONDS);
                Thread.sleep(1_100); // the next round in the next cycle
            }
        }
        try (MergedTailer tailer = MergedTailer.open(dir)) {
            assertThat(tailer.cycles()).as("cycles written").hasSizeGreaterThanOrEqualTo(3);
        }
        for (long id : written) {
            RequestHistory h = RequestHistory.find(List.of(dir), id);
            assertThat(h).as("request %s", RequestIds.format(id)).isNotNull();
            assertThat(h.entry().request().requestId()).isEqualTo(id);
            assertThat(h.entry().end()).as("end of %s", RequestIds.format(id)).isNotNull();
        }
        RequestHistory running = RequestHistory.find(List.of(dir), inFlight);
        assertThat(running).isNotNull();
        assertThat(running.entry().end()).isNull();
        assertThat(running.entry().outcome()).isEqualTo(JournalEntry.IN_FLIGHT);
        assertThat(RequestHistory.find(List.of(dir), ids.next())).isNull();

        // Another node's journal, started later: its start is not a restart of the node running the request.
        Path other = tmp.resolve("b/journal");
        Journal.open(JournalSettings.builder(other).mode(JournalMode.DIRECT).build()).close();
        RequestHistory acrossNodes = RequestHistory.find(List.of(dir, other), inFlight);
        assertThat(acrossNodes.entry().outcome()).isEqualTo(JournalEntry.IN_FLIGHT);
        assertThat(RequestHistory.find(List.of(other, dir), written.get(7)).entry().end()).isNotNull();
    }
}
