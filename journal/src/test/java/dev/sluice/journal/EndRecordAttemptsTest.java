package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.sluice.journal.internal.RecordLayout;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class EndRecordAttemptsTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    @TempDir
    Path tmp;

    private Journal journal;
    private ProducerThread loop;

    @AfterEach
    void tearDown() {
        if (journal != null) {
            journal.close();
        }
        if (loop != null) {
            loop.close();
        }
    }

    @Test
    @Timeout(30)
    void shouldRoundTripAttemptsThroughARealJournal() throws Exception {
        journal = Journal.open(JournalSettings.builder(tmp.resolve("journal")).build());
        loop = new ProducerThread("loop-attempts");
        JournalProducer producer = journal.newProducer(loop.executor);
        long last = loop.call(() -> {
            RequestRecord r = new RequestRecord();
            EndRecord e = new EndRecord();
            StringBuilder reused = new StringBuilder("mock-a/m");
            producer.append(Records.request(r, 1, 10));
            e.reset().requestId(1).wallTimeMicros(11).status(200).outcome(Outcome.OK)
                .addAttempt(reused, AttemptOutcome.CONNECT_REFUSED, 0, 1_500, false);
            // The deployment was copied: changing the builder afterwards must not change the first attempt.
            reused.setLength(0);
            reused.append("mock-b/m");
            producer.append(e.addAttempt(reused, AttemptOutcome.OK, 200, 250_000, false));
            producer.append(Records.request(r, 2, 20));
            e.reset().requestId(2).wallTimeMicros(21).status(502).outcome(Outcome.UPSTREAM_ERROR);
            for (int i = 0; i < 20; i++) {
                e.addAttempt("dep-" + i, i % 2 == 0 ? AttemptOutcome.STATUS : AttemptOutcome.RESET,
                    i % 2 == 0 ? 503 : 0, i, i == 1);
            }
            producer.append(e);
            producer.append(Records.request(r, 3, 30));
            return producer.append(e.reset().requestId(3).wallTimeMicros(31).status(503)
                .outcome(Outcome.NO_DEPLOYMENT));
        });
        await().atMost(10, SECONDS).until(() -> producer.isDurable(last));
        journal.close();

        List<JournalEntry> entries;
        try (JournalReader reader = JournalReader.open(tmp.resolve("journal"))) {
            entries = reader.last(10, Long.MIN_VALUE);
            assertThat(reader.undecodableRecords()).isZero();
        }
        assertThat(entries).hasSize(3);
        EndRecord fallback = entries.get(0).end();
        assertThat(fallback.attemptCount()).isEqualTo(2);
        assertThat(fallback.attempts()).containsExactly(
            new Attempt("mock-a/m", AttemptOutcome.CONNECT_REFUSED, 0, 1_500, false),
            new Attempt("mock-b/m", AttemptOutcome.OK, 200, 250_000, false));

        EndRecord many = entries.get(1).end();
        assertThat(many.attemptCount()).isEqualTo(20);
        assertThat(many.attempts()).hasSize(EndRecord.MAX_LISTED_ATTEMPTS);
        for (int i = 0; i < EndRecord.MAX_LISTED_ATTEMPTS; i++) {
            Attempt a = many.attempts().get(i);
            assertThat(a.deployment()).isEqualTo("dep-" + i);
            assertThat(a.outcome()).isEqualTo(i % 2 == 0 ? AttemptOutcome.STATUS : AttemptOutcome.RESET);
            assertThat(a.status()).isEqualTo(i % 2 == 0 ? 503 : 0);
            assertThat(a.durationMicros()).isEqualTo(i);
            assertThat(a.uncertainBilled()).isEqualTo(i == 1);
        }

        EndRecord none = entries.get(2).end();
        assertThat(none.outcome()).isEqualTo(Outcome.NO_DEPLOYMENT);
        assertThat(entries.get(2).outcome()).isEqualTo("no_deployment");
        assertThat(none.attemptCount()).isZero();
        assertThat(none.attempts()).isEmpty();
    }

    @Test
    @Timeout(30)
    void shouldDecodeVersionOneRecordsWithoutAttempts() throws Exception {
        Path dir = tmp.resolve("old");
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(dir.toFile()).build()) {
            RawDocuments writes = new RawDocuments(queue.createAppender());
            RequestRecord request = Records.request(new RequestRecord(), 7, 70);
            UnsafeBuffer buf = new UnsafeBuffer(new byte[4096]);
            int length = request.encode(buf, 0);
            // The request layout is unchanged in version 2: only the version byte differs.
            buf.putByte(0, (byte) 1);
            writes.append(buf, 0, length);
            byte[] v1End = versionOneEnd(7, 71, 200, Outcome.UPSTREAM_TRUNCATED.id(), "openai", "openai-east",
                "gpt-4o");
            writes.append(v1End, 0, v1End.length);
            writes.close();
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            List<JournalEntry> entries = reader.last(10, Long.MIN_VALUE);
            assertThat(reader.undecodableRecords()).isZero();
            assertThat(entries).hasSize(1);
            assertThat(entries.get(0).request().user()).isEqualTo("user7");
            EndRecord e = entries.get(0).end();
            assertThat(e.requestId()).isEqualTo(7);
            assertThat(e.wallTimeMicros()).isEqualTo(71);
            assertThat(e.status()).isEqualTo(200);
            assertThat(e.outcome()).isEqualTo(Outcome.UPSTREAM_TRUNCATED);
            assertThat(e.truncated()).isTrue();
            assertThat(e.tokensEstimated()).isFalse();
            assertThat(e.ttftMicros()).isEqualTo(1);
            assertThat(e.totalMicros()).isEqualTo(2);
            assertThat(e.tokensIn()).isEqualTo(3);
            assertThat(e.tokensOut()).isEqualTo(4);
            assertThat(e.tokensCached()).isEqualTo(5);
            assertThat(e.costMicros()).isEqualTo(6);
            assertThat(e.provider()).isEqualTo("openai");
            assertThat(e.deployment()).isEqualTo("openai-east");
            assertThat(e.servedModel()).isEqualTo("gpt-4o");
            assertThat(e.attemptCount()).isZero();
            assertThat(e.attempts()).isEmpty();
        }
    }

    @Test
    void shouldWriteTheAttemptsAfterTheVersionOneFields() {
        EndRecord e = new EndRecord().requestId(7).wallTimeMicros(71).status(200).outcome(Outcome.OK)
            .provider("p").deployment(null).servedModel("s")
            .addAttempt("a/é", AttemptOutcome.FIRST_TOKEN_TIMEOUT, 0, 42, true);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[512]);
        int length = e.encode(buf, 0);
        assertThat(length).isEqualTo(e.encodedLength());
        assertThat(buf.getByte(0)).isEqualTo(RecordLayout.VERSION).isEqualTo((byte) 4);
        assertThat(buf.getByte(1)).isEqualTo(RecordLayout.TYPE_END);
        // header 2, fixed 70, provider 2+1, deployment 2 (absent), served 2+1
        int tail = 2 + 70 + 3 + 2 + 3;
        assertThat(buf.getInt(tail, LE)).isEqualTo(1);
        assertThat(buf.getByte(tail + 4)).isEqualTo((byte) 1);
        assertThat(buf.getByte(tail + 5)).isEqualTo(AttemptOutcome.FIRST_TOKEN_TIMEOUT.id()).isEqualTo((byte) 6);
        assertThat(buf.getByte(tail + 6)).isEqualTo((byte) 1);
        assertThat(buf.getInt(tail + 7, LE)).isZero();
        assertThat(buf.getLong(tail + 11, LE)).isEqualTo(42);
        assertThat(buf.getShort(tail + 19, LE)).isEqualTo((short) 4);
        assertThat(buf.getStringWithoutLengthUtf8(tail + 21, 4)).isEqualTo("a/é");
        // then the version 3 tail: the configuration version (absent: its 2-byte length only), then the version 4
        // capture: level, flags, request bytes (4), response bytes (8), no redaction types (1)
        assertThat(length).isEqualTo(tail + 25 + 2 + 15);
        assertThat(buf.getByte(tail + 27)).isEqualTo(Capture.METADATA.id());

        EndRecord decoded = new EndRecord().decodeBody(buf, 2, 2);
        assertThat(decoded.attempts()).containsExactly(
            new Attempt("a/é", AttemptOutcome.FIRST_TOKEN_TIMEOUT, 0, 42, true));
        assertThat(decoded.deployment()).isNull();
    }

    @Test
    void shouldCarryTheConfigurationVersionAfterTheAttemptsAndReadOlderRecordsWithoutIt() {
        EndRecord e = new EndRecord().requestId(8).status(200).outcome(Outcome.OK).servedModel("s")
            .addAttempt("a", AttemptOutcome.OK, 200, 5, false).configVersion("3f9c2a1b");
        UnsafeBuffer buf = new UnsafeBuffer(new byte[512]);
        int length = e.encode(buf, 0);
        assertThat(length).isEqualTo(e.encodedLength());
        EndRecord decoded = new EndRecord().decodeBody(buf, 2, 3);
        assertThat(decoded.configVersion()).isEqualTo("3f9c2a1b");
        assertThat(decoded.attempts()).hasSize(1);
        assertThat(new EndRecord().decodeBody(buf, 2, 2).configVersion()).as("a version 2 record has none").isNull();
        assertThat(decoded.reset().configVersion()).isNull();
    }

    @Test
    void shouldTruncateLongDeploymentsAndKeepStableOutcomeIds() {
        String longName = "d".repeat(300) + "é";
        EndRecord e = new EndRecord().addAttempt(longName, AttemptOutcome.OK, 200, -1, false).addAttempt(null,
            AttemptOutcome.TRANSLATION_FAILED, 0, -1, false);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[2048]);
        e.encode(buf, 0);
        List<Attempt> attempts = new EndRecord().decodeBody(buf, 2, 2).attempts();
        assertThat(attempts.get(0).deployment()).hasSize(EndRecord.MAX_ATTEMPT_DEPLOYMENT_BYTES)
            .isEqualTo("d".repeat(256));
        assertThat(attempts.get(1).deployment()).isNull();
        assertThat(attempts.get(1).summary()).isEqualTo("-:translation_failed");

        List<String> names = new ArrayList<>();
        for (AttemptOutcome o : AttemptOutcome.values()) {
            assertThat(AttemptOutcome.fromId(o.id())).isSameAs(o);
            names.add(o.id() + "=" + o.wireName());
        }
        assertThat(names).containsExactly("0=ok", "1=connect_refused", "2=connect_timeout", "3=connect_failed",
            "4=stale_connection", "5=reset", "6=first_token_timeout", "7=status", "8=truncated",
            "9=client_cancelled", "10=timeout", "11=translation_failed");
        assertThat(AttemptOutcome.fromId(12)).isNull();
        assertThat(Outcome.fromId(10)).isSameAs(Outcome.NO_DEPLOYMENT);
        assertThat(Outcome.INTERRUPTED.id()).isEqualTo((byte) 9);
    }

    @Test
    void shouldCarryCaptureAndRedactionCountsAfterTheConfigurationVersion() {
        EndRecord e = new EndRecord().requestId(9).status(200).configVersion("v1")
            .capture(Capture.FULL, 1234, 56789L, true).addRedactions("email", 2).addRedactions("card", 1)
            .addRedactions("email", 3);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[512]);
        assertThat(e.encode(buf, 0)).isEqualTo(e.encodedLength());
        EndRecord decoded = new EndRecord().decodeBody(buf, 2, 4);
        assertThat(decoded.configVersion()).isEqualTo("v1");
        assertThat(decoded.capture()).isEqualTo(Capture.FULL);
        assertThat(decoded.capturedRequestBytes()).isEqualTo(1234);
        assertThat(decoded.capturedResponseBytes()).isEqualTo(56789L);
        assertThat(decoded.captureCut()).isTrue();
        assertThat(decoded.redactionTypes()).isEqualTo(2);
        assertThat(decoded.redactionLabel(0)).isEqualTo("email");
        assertThat(decoded.redactionCount(0)).isEqualTo(5);
        assertThat(decoded.redactionLabel(1)).isEqualTo("card");
        assertThat(decoded.redactionTotal()).isEqualTo(6);
        assertThat(new EndRecord().decodeBody(buf, 2, 3).capture()).as("before version 4: metadata")
            .isEqualTo(Capture.METADATA);
    }

    @Test
    void shouldRejectAnUnknownAttemptOutcomeIdWhenDecoding() {
        UnsafeBuffer buf = new UnsafeBuffer(new byte[512]);
        EndRecord e = new EndRecord().addAttempt("x", AttemptOutcome.OK, 200, 1, false);
        int length = e.encode(buf, 0);
        // The attempt's outcome byte sits right after count (4) and listed (1), before status, duration, name;
        // the (empty) configuration version and the capture (15 bytes without redactions) end the record.
        buf.putByte(length - 15 - 2 - (1 + 1 + 4 + 8 + 2 + 1) + 0, (byte) 99);
        assertThatThrownBy(() -> new EndRecord().decodeBody(buf, 2, 2))
            .isInstanceOf(IllegalStateException.class).hasMessageContaining("attempt outcome id: 99");
    }

    @Test
    void shouldAllocateNothingWhenAddingAttemptsAndEncoding() {
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EndRecord e = new EndRecord();
        UnsafeBuffer buf = new UnsafeBuffer(new byte[16 * 1024]);
        String[] names = {"mock-a/mock-gpt", "mock-b/mock-gpt", "anthropic/claude"};
        long sink = 0;
        for (int i = 0; i < 20_000; i++) {
            sink += fill(e, names, buf);
        }
        long tid = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < 20_000; i++) {
            sink += fill(e, names, buf);
        }
        long allocated = threads.getThreadAllocatedBytes(tid) - before;
        assertThat(sink).isPositive();
        // 20 000 records of 20 attempts each: anything per record would be megabytes.
        assertThat(allocated).isLessThan(4096);
    }

    private static int fill(EndRecord e, String[] names, UnsafeBuffer buf) {
        e.reset().requestId(1).status(200).outcome(Outcome.OK);
        for (int a = 0; a < 20; a++) {
            e.addAttempt(names[a % names.length], AttemptOutcome.STATUS, 503, a, false);
        }
        return e.encode(buf, 0);
    }

    /** An end record exactly as schema version 1 wrote it (no attempts tail). */
    private static byte[] versionOneEnd(long requestId, long wallTimeMicros, int status, byte outcomeId,
                                        String provider, String deployment, String servedModel) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[1024]);
        int pos = 0;
        b.putByte(pos++, (byte) 1);
        b.putByte(pos++, RecordLayout.TYPE_END);
        b.putLong(pos, requestId, LE);
        pos += 8;
        b.putLong(pos, wallTimeMicros, LE);
        pos += 8;
        b.putInt(pos, status, LE);
        pos += 4;
        b.putByte(pos++, outcomeId);
        b.putByte(pos++, (byte) 1);
        for (long v = 1; v <= 6; v++) {
            b.putLong(pos, v, LE);
            pos += 8;
        }
        for (String s : new String[] {provider, deployment, servedModel}) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            b.putShort(pos, (short) utf8.length, LE);
            b.putBytes(pos + 2, utf8);
            pos += 2 + utf8.length;
        }
        byte[] out = new byte[pos];
        b.getBytes(0, out);
        return out;
    }
}
