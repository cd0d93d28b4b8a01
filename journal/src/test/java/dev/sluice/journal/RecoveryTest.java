package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.GatewayPidFile;
import dev.sluice.journal.internal.Utf8Field;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RecoveryTest {
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    /** Request times, just after the first start: readers merge the partitions by wall time. */
    private static final long T0 = NOW.toEpochMilli() * 1000;

    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private Path dir() {
        return tmp.resolve("journal");
    }

    private Journal open() throws Exception {
        return open(NOW);
    }

    /** Opens the journal as a gateway started at {@code at} would (its recovery and boot records are stamped so). */
    private Journal open(Instant at) throws Exception {
        Journal journal = Journal.open(JournalSettings.builder(dir()).clock(Clock.fixed(at, ZoneOffset.UTC)).build());
        cleanup.add(journal);
        return journal;
    }

    private static List<JournalEntry> all(Path dir) {
        try (JournalReader reader = JournalReader.open(dir)) {
            return reader.last(Integer.MAX_VALUE, Long.MIN_VALUE);
        }
    }

    @Test
    @Timeout(60)
    void shouldAppendInterruptedEndsForRequestsWithoutEndAfterACrash() throws Exception {
        Journal journal = open();
        ProducerThread loop = new ProducerThread("loop-r");
        cleanup.add(loop);
        JournalProducer producer = journal.newProducer(loop.executor);
        long last = loop.call(() -> {
            RequestRecord r = new RequestRecord();
            producer.append(Records.request(r, 101, T0 + 1));
            producer.append(Records.request(r, 102, T0 + 2));
            producer.append(Records.request(r, 103, T0 + 3));
            return producer.append(Records.ok(new EndRecord(), 102, T0 + 4));
        });
        await().atMost(10, SECONDS).until(() -> producer.isDurable(last));

        journal.crashForTest();

        // The pid file still names this (live) process: the gateway counts as running, so no end means in flight.
        assertThat(GatewayPidFile.read(dir())).hasValue(ProcessHandle.current().pid());
        assertThat(all(dir())).extracting(JournalEntry::requestId, JournalEntry::outcome)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(101L, "in_flight"),
                org.assertj.core.groups.Tuple.tuple(102L, "ok"),
                org.assertj.core.groups.Tuple.tuple(103L, "in_flight"));

        Instant restart = NOW.plusSeconds(60);
        Journal reopened = open(restart);
        assertThat(reopened.recoveredInterrupted()).isEqualTo(2);
        reopened.close();

        List<JournalEntry> entries = all(dir());
        assertThat(entries).extracting(JournalEntry::requestId, JournalEntry::outcome)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(101L, "interrupted"),
                org.assertj.core.groups.Tuple.tuple(102L, "ok"),
                org.assertj.core.groups.Tuple.tuple(103L, "interrupted"));
        EndRecord recovered = entries.get(0).end();
        assertThat(recovered).isNotNull();
        assertThat(recovered.outcome()).isEqualTo(Outcome.INTERRUPTED);
        assertThat(recovered.status()).isZero();
        assertThat(recovered.totalMicros()).isEqualTo(-1);
        assertThat(recovered.tokensIn()).isEqualTo(-1);
        assertThat(recovered.costMicros()).isEqualTo(-1);
        assertThat(recovered.wallTimeMicros()).isEqualTo(restart.toEpochMilli() * 1000);

        // A second start finds nothing more to recover.
        Journal third = open(restart.plusSeconds(60));
        assertThat(third.recoveredInterrupted()).isZero();
    }

    @Test
    @Timeout(30)
    void shouldReportInterruptedWhenThePidFileNamesADeadProcess() throws Exception {
        Journal journal = open();
        ProducerThread loop = new ProducerThread("loop-d");
        cleanup.add(loop);
        JournalProducer producer = journal.newProducer(loop.executor);
        long position = loop.call(() -> producer.append(Records.request(new RequestRecord(), 201, T0 + 1)));
        await().atMost(10, SECONDS).until(() -> producer.isDurable(position));
        journal.crashForTest();

        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(dir().resolve(GatewayPidFile.FILE_NAME), gone.pid() + "\n", StandardCharsets.US_ASCII);
        assertThat(all(dir())).extracting(JournalEntry::outcome).containsExactly("interrupted");

        // A live pid whose start time differs (pid reused after a reboot) is not the gateway either.
        Files.writeString(dir().resolve(GatewayPidFile.FILE_NAME), ProcessHandle.current().pid() + " 12345\n",
            StandardCharsets.US_ASCII);
        assertThat(all(dir())).extracting(JournalEntry::outcome).containsExactly("interrupted");

        Files.delete(dir().resolve(GatewayPidFile.FILE_NAME));
        assertThat(all(dir())).extracting(JournalEntry::outcome).containsExactly("interrupted");
    }

    @Test
    @Timeout(30)
    void shouldReportInterruptedWhenABootRecordFollowsARequestWithoutEnd() throws Exception {
        // Written directly (as a gateway whose recovery window missed the request would leave it).
        Files.createDirectories(dir());
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(dir().toFile()).build()) {
            ChronicleWrites writes = new ChronicleWrites(queue, Chain.recover(queue, null, Clock.systemUTC()));
            UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
            int length = Records.request(new RequestRecord(), 301, 1).encode(buffer, 0);
            writes.append(buffer.byteArray(), 0, length);
            length = Records.request(new RequestRecord(), 302, 2).encode(buffer, 0);
            writes.append(buffer.byteArray(), 0, length);
            length = new BootRecord(3, 4242, "v").encode(buffer, 0, new Utf8Field());
            writes.append(buffer.byteArray(), 0, length);
            length = Records.request(new RequestRecord(), 303, 5).encode(buffer, 0);
            writes.append(buffer.byteArray(), 0, length);
            writes.close();
        }
        // The live process holds the journal: 303 is in flight, the two before the boot record are interrupted.
        GatewayPidFile.writeCurrent(dir());
        assertThat(all(dir())).extracting(JournalEntry::requestId, JournalEntry::outcome)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple(301L, "interrupted"),
                org.assertj.core.groups.Tuple.tuple(302L, "interrupted"),
                org.assertj.core.groups.Tuple.tuple(303L, "in_flight"));
        Files.delete(dir().resolve(GatewayPidFile.FILE_NAME));
    }
}
