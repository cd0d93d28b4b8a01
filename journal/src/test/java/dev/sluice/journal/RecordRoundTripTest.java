package dev.sluice.journal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class RecordRoundTripTest {
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

    /** 10 KiB of text mixing 1-, 2-, 3- and 4-byte UTF-8 characters. */
    private static String bigText() {
        StringBuilder sb = new StringBuilder();
        String unit = "aé€😀";
        while (sb.length() < 10 * 1024) {
            sb.append(unit);
        }
        return sb.toString();
    }

    private static void assertTruncatedOnCharBoundary(String original, String stored) {
        byte[] bytes = stored.getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isLessThanOrEqualTo(Utf8Field.MAX_BYTES).isGreaterThan(Utf8Field.MAX_BYTES - 4);
        assertThat(original).startsWith(stored);
        assertThat(stored).doesNotContain("\uFFFD");
        // The cut did not split a surrogate pair.
        assertThat(Character.isHighSurrogate(stored.charAt(stored.length() - 1))).isFalse();
    }

    @Test
    @Timeout(30)
    void shouldRoundTripAHugeNonAsciiStringTruncatedOnACharBoundary() throws Exception {
        journal = Journal.open(JournalSettings.builder(tmp.resolve("journal")).build());
        loop = new ProducerThread("loop-rt");
        JournalProducer producer = journal.newProducer(loop.executor);
        String big = bigText();
        byte[] bigUtf8 = big.getBytes(StandardCharsets.UTF_8);
        long last = loop.call(() -> {
            producer.append(new RequestRecord().requestId(1).wallTimeMicros(11).keyId("kéy").user(big)
                .team("Zürich-团队").project(null).useCase("").endpoint((byte) 5)
                .requestedModel(bigUtf8, 0, bigUtf8.length).stream(true).clientAddress("::1")
                .agent("helpdesk", "0123456789ab", null));
            UnsafeBuffer direct = new UnsafeBuffer(new byte[64]);
            byte[] served = "modèle-ü".getBytes(StandardCharsets.UTF_8);
            direct.putBytes(3, served);
            return producer.append(new EndRecord().requestId(1).wallTimeMicros(12).status(499)
                .outcome(Outcome.REJECTED_PROTOCOL).provider(big).deployment("d")
                .servedModel(direct, 3, served.length).ttftMicros(-1).totalMicros(5).tokensIn(1).tokensOut(2)
                .tokensCached(3).costMicros(4).truncated(true).tokensEstimated(true));
        });
        await().atMost(10, SECONDS).until(() -> producer.isDurable(last));
        journal.close();

        List<JournalEntry> entries;
        try (JournalReader reader = JournalReader.open(tmp.resolve("journal"))) {
            entries = reader.last(10, Long.MIN_VALUE);
        }
        assertThat(entries).hasSize(1);
        RequestRecord r = entries.get(0).request();
        assertThat(r.requestId()).isEqualTo(1);
        assertThat(r.wallTimeMicros()).isEqualTo(11);
        assertThat(r.keyId()).isEqualTo("kéy");
        assertTruncatedOnCharBoundary(big, r.user());
        assertThat(r.team()).isEqualTo("Zürich-团队");
        assertThat(r.project()).isNull();
        assertThat(r.useCase()).isEmpty();
        assertThat(r.endpoint()).isEqualTo((byte) 5);
        assertTruncatedOnCharBoundary(big, r.requestedModel());
        assertThat(r.stream()).isTrue();
        assertThat(r.clientAddress()).isEqualTo("::1");
        assertThat(r.agent()).isEqualTo("helpdesk");
        assertThat(r.agentVersion()).isEqualTo("0123456789ab");
        assertThat(r.agentLabel()).isNull();

        EndRecord e = entries.get(0).end();
        assertThat(e.status()).isEqualTo(499);
        assertThat(e.outcome()).isEqualTo(Outcome.REJECTED_PROTOCOL);
        assertThat(entries.get(0).outcome()).isEqualTo("rejected:protocol");
        assertTruncatedOnCharBoundary(big, e.provider());
        assertThat(e.deployment()).isEqualTo("d");
        assertThat(e.servedModel()).isEqualTo("modèle-ü");
        assertThat(e.ttftMicros()).isEqualTo(-1);
        assertThat(e.totalMicros()).isEqualTo(5);
        assertThat(e.tokensIn()).isEqualTo(1);
        assertThat(e.tokensOut()).isEqualTo(2);
        assertThat(e.tokensCached()).isEqualTo(3);
        assertThat(e.costMicros()).isEqualTo(4);
        assertThat(e.truncated()).isTrue();
        assertThat(e.tokensEstimated()).isTrue();
    }

    @Test
    void shouldEncodeCharsAndBytesIdenticallyAndReplaceLoneSurrogates() {
        UnsafeBuffer a = new UnsafeBuffer(new byte[2048]);
        UnsafeBuffer b = new UnsafeBuffer(new byte[2048]);
        for (String s : new String[] {"", "plain", "é€😀", bigText(), "x\uD800y", "\uDC00"}) {
            Utf8Field chars = new Utf8Field();
            chars.set(s);
            Utf8Field bytes = new Utf8Field();
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            bytes.set(utf8, 0, utf8.length);
            int la = chars.encode(a, 0);
            int lb = bytes.encode(b, 0);
            assertThat(la).as(s.length() > 20 ? "big" : s).isEqualTo(lb).isEqualTo(chars.encodedLength());
            assertThat(a.getShort(0, java.nio.ByteOrder.LITTLE_ENDIAN)).isEqualTo((short) (la - 2));
            for (int i = 0; i < la; i++) {
                assertThat(a.getByte(i)).as("byte %d of %s", i, s.length() > 20 ? "big" : s).isEqualTo(b.getByte(i));
            }
            Utf8Field decoded = new Utf8Field();
            assertThat(decoded.decode(a, 0)).isEqualTo(la);
            // String.getBytes(UTF_8) is the reference: it also replaces a lone surrogate with '?'.
            String reference = new String(utf8, StandardCharsets.UTF_8);
            if (utf8.length <= Utf8Field.MAX_BYTES) {
                assertThat(decoded.get()).isEqualTo(reference);
            } else {
                assertThat(reference).startsWith(decoded.get());
            }
        }
        Utf8Field absent = new Utf8Field();
        assertThat(absent.encode(a, 0)).isEqualTo(2);
        assertThat(a.getShort(0) & 0xFFFF).isEqualTo(0xFFFF);
        Utf8Field decoded = new Utf8Field();
        decoded.decode(a, 0);
        assertThat(decoded.isNull()).isTrue();
        assertThat(decoded.get()).isNull();
    }
}
