package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.journal.internal.JournalSigner;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * FEEDBACK records and the shadow fields of REQUEST records: feedback round-trips among the other records (every
 * field), readers that join requests skip it, the journal verifies with it, and the roll-up counts a key's latest
 * value; a shadow request carries its primary and its declaration with or without agent fields, a request without
 * them is laid out as before, spend sees the declaration, and shadows pair with their primaries and answers.
 */
class FeedbackAndShadowRecordTest {
    @TempDir
    Path tmp;

    @Test
    @Timeout(30)
    void feedbackRoundTripsAndRollsUpTheLatestValueOfEachKey() throws Exception {
        Path dir = tmp.resolve("j");
        try (Journal journal = Journal.open(JournalSettings.builder(dir).mode(JournalMode.DIRECT)
            .clock(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC)).build())) {
            JournalProducer producer = journal.newProducer(Runnable::run);
            producer.append(Records.request(new RequestRecord(), 7, 2));
            producer.append(Records.ok(new EndRecord(), 7, 3));
            journal.appendFeedback(new FeedbackRecord(10, 7, "thumbs_up", 1, true, "good", "k1", "t", "k1", "t",
                "helper", "0123456789ab", "gpt"));
            journal.appendFeedback(new FeedbackRecord(11, 7, "thumbs_up", 0, true, null, "k1", "t", "k1", "t",
                "helper", "0123456789ab", "gpt"));
            journal.appendFeedback(new FeedbackRecord(12, 7, "thumbs_up", 1, true, null, "k2", "t", "k1", "t",
                "helper", "0123456789ab", "gpt"));
            journal.appendFeedback(new FeedbackRecord(13, 7, "stars", 4.5, false, "é€😀", "k1", null, "k1", null,
                null, null, null));
        }
        List<FeedbackRecord> read = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            while (reader.poll(new RecordVisitor() {
                @Override
                public void onFeedback(FeedbackRecord f) {
                    read.add(f);
                }
            }, 100) > 0) {
                // read on
            }
            assertThat(reader.undecodableRecords()).isZero();
            assertThat(reader.last(10, 0)).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("ok"));
        }
        assertThat(read).hasSize(4);
        FeedbackRecord first = read.get(0);
        assertThat(first.wallTimeMicros()).isEqualTo(10);
        assertThat(first.requestId()).isEqualTo(7);
        assertThat(first.metric()).isEqualTo("thumbs_up");
        assertThat(first.value()).isEqualTo(1);
        assertThat(first.isBoolean()).isTrue();
        assertThat(first.comment()).isEqualTo("good");
        assertThat(first.senderKey() + "/" + first.senderTeam() + " " + first.requestKey() + "/"
            + first.requestTeam()).isEqualTo("k1/t k1/t");
        assertThat(first.agent() + "@" + first.agentVersion() + " " + first.model())
            .isEqualTo("helper@0123456789ab gpt");
        FeedbackRecord stars = read.get(3);
        assertThat(stars.isBoolean()).isFalse();
        assertThat(stars.value()).isEqualTo(4.5);
        assertThat(stars.comment()).isEqualTo("é€😀");
        assertThat(stars.agent()).isNull();
        assertThat(stars.senderTeam()).isNull();

        FeedbackReport report = FeedbackReport.read(List.of(dir), Long.MIN_VALUE, null);
        assertThat(report.records()).isEqualTo(4);
        assertThat(report.counted()).isEqualTo(3);
        FeedbackReport.Row thumbs = report.rows().stream().filter(r -> r.metric().equals("thumbs_up")).findFirst()
            .orElseThrow();
        assertThat(thumbs.count()).isEqualTo(2);
        assertThat(thumbs.trues()).as("k1's latest is false, k2's true").isEqualTo(1);
        assertThat(FeedbackReport.read(List.of(dir), 13, null).records()).isEqualTo(1);
        assertThat(FeedbackReport.read(List.of(dir), Long.MIN_VALUE, "helper").records()).isEqualTo(3);
        assertThat(SpendReport.read(dir, SpendDimension.TEAM, Long.MIN_VALUE).total().requests()).isEqualTo(1);
        assertThat(new JournalVerifier((JournalSigner) null).verify(List.of(dir)).broken()).isFalse();
        assertThatThrownBy(() -> new FeedbackRecord(1, 1, "m", Double.NaN, false, null, "k", null, "k", null, null,
            null, null)).hasMessageContaining("finite");
    }

    @Test
    void shadowFieldsDecodeWithOrWithoutAgentFieldsAndCostNothingWhenAbsent() {
        RequestRecord plain = Records.request(new RequestRecord(), 1, 1);
        RequestRecord shadow = Records.request(new RequestRecord(), 2, 1).shadow(1, "demo");
        RequestRecord agentShadow = Records.request(new RequestRecord(), 3, 1).agent("helper", "0123456789ab", null)
            .shadow(1, "agent/helper");
        RequestRecord agentOnly = Records.request(new RequestRecord(), 4, 1).agent("helper", "0123456789ab", "prod");
        assertThat(shadow.encodedLength()).isEqualTo(plain.encodedLength() + 3 * 2 + 8 + 2 + "demo".length());
        RequestRecord d = decode(shadow);
        assertThat(d.shadowOf()).isEqualTo(1);
        assertThat(d.shadowSource()).isEqualTo("demo");
        assertThat(d.agent()).isNull();
        d = decode(agentShadow);
        assertThat(d.shadowOf()).isEqualTo(1);
        assertThat(d.shadowSource()).isEqualTo("agent/helper");
        assertThat(d.agent() + "@" + d.agentVersion()).isEqualTo("helper@0123456789ab");
        d = decode(agentOnly);
        assertThat(d.shadowOf()).isZero();
        assertThat(d.shadowSource()).isNull();
        assertThat(d.agentLabel()).isEqualTo("prod");
        d = decode(plain);
        assertThat(d.shadowOf()).isZero();
        assertThat(d.agent()).isNull();
    }

    private static RequestRecord decode(RequestRecord r) {
        UnsafeBuffer b = new UnsafeBuffer(new byte[r.encodedLength()]);
        int n = r.encode(b, 0);
        assertThat(n).isEqualTo(r.encodedLength());
        RecordDecoder decoder = new RecordDecoder();
        assertThat(decoder.load(new UnsafeBuffer(b.byteArray(), 0, n))).isEqualTo(1);
        return decoder.request();
    }
}
