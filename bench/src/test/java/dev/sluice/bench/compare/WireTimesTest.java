package dev.sluice.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** Answer times read from a capture: last request bytes on a connection to the answer head's first packet. */
class WireTimesTest {
    private static final int PORT = 9200;
    private final ByteArrayOutputStream pcap = new ByteArrayOutputStream();

    @Test
    void shouldTimeEachAnswerFromTheLastRequestBytesOnItsConnection() throws Exception {
        header();
        packet(1_000_000_000L, 40_001, PORT, "POST /v1/chat/completions HTTP/1.1\r\n");
        packet(1_000_500_000L, 40_001, PORT, "{\"model\":\"m\"}");           // the body: the clock starts here
        packet(1_000_600_000L, 40_002, PORT, "POST /v1/chat/completions HTTP/1.1\r\n");
        packet(1_000_700_000L, PORT, 40_001, "");                            // an ACK carries no bytes
        packet(1_002_500_000L, PORT, 40_001, "HTTP/1.1 503 Service Unavailable\r\n");
        packet(1_020_600_000L, PORT, 40_002, "HTTP/1.1 200 OK\r\n");
        packet(1_030_000_000L, PORT, 40_002, "data: {\"choices\":[]}\n\n"); // not a head
        packet(1_040_000_000L, 40_002, 40_003, "POST / HTTP/1.1\r\n");       // another port
        packet(2_000_000_000L, 40_001, PORT, "POST /v1/chat/completions HTTP/1.1\r\n\r\n{}");
        packet(2_004_000_000L, PORT, 40_001, "HTTP/1.1 503 Service Unavailable\r\n");
        packet(2_005_000_000L, PORT, 40_009, "HTTP/1.1 503 Service Unavailable\r\n"); // nothing asked on it

        WireTimes t = WireTimes.read(new ByteArrayInputStream(pcap.toByteArray()), PORT, 0);

        assertThat(t.refused.getTotalCount()).isEqualTo(2);
        assertThat(t.refused.getMinValue()).isBetween(1_999_000L, 2_001_000L);
        assertThat(t.refused.getMaxValue()).isBetween(3_998_000L, 4_002_000L);
        assertThat(t.answered.getTotalCount()).isEqualTo(1);
        assertThat(t.answered.getMaxValue()).isBetween(19_990_000L, 20_010_000L);
        assertThat(t.json()).startsWith("{\"refused\":{\"count\":2,").contains("\"answered\":{\"count\":1,")
                .endsWith(",\"warmup_answers\":0}");
    }

    @Test
    void shouldLeaveOutAnswersToRequestsSentInTheWarmUp() throws Exception {
        header();
        packet(1_000_000_000L, 40_001, PORT, "POST /v1/chat/completions HTTP/1.1\r\n\r\n{}"); // the first request
        packet(1_009_000_000L, PORT, 40_001, "HTTP/1.1 503 Service Unavailable\r\n");
        packet(3_999_000_000L, 40_002, PORT, "POST /v1/chat/completions HTTP/1.1\r\n\r\n{}"); // still warm-up
        packet(4_001_000_000L, 40_003, PORT, "POST /v1/chat/completions HTTP/1.1\r\n\r\n{}"); // measured
        packet(4_003_000_000L, PORT, 40_003, "HTTP/1.1 503 Service Unavailable\r\n");
        packet(4_005_000_000L, PORT, 40_002, "HTTP/1.1 503 Service Unavailable\r\n");

        WireTimes t = WireTimes.read(new ByteArrayInputStream(pcap.toByteArray()), PORT, 3_000_000_000L);

        assertThat(t.warmupAnswers).isEqualTo(2);
        assertThat(t.refused.getTotalCount()).isEqualTo(1);
        assertThat(t.refused.getMaxValue()).isBetween(1_999_000L, 2_001_000L);
        assertThat(t.json()).endsWith(",\"warmup_answers\":2}");
    }

    private void header() {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b23c4d).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(128).putInt(1);
        pcap.writeBytes(b.array());
    }

    /** An Ethernet + IPv4 + TCP frame at {@code atNs}, cut at 128 bytes as tcpdump -s 128 would. */
    private void packet(long atNs, int sport, int dport, String payload) {
        byte[] data = payload.getBytes(StandardCharsets.US_ASCII);
        int ipTotal = 20 + 20 + data.length;
        ByteBuffer f = ByteBuffer.allocate(14 + ipTotal);
        f.position(12).putShort((short) 0x0800);
        f.put((byte) 0x45).put((byte) 0).putShort((short) ipTotal).putInt(0).put((byte) 64).put((byte) 6)
                .putShort((short) 0).putInt(0x7f000001).putInt(0x7f000001);
        f.putShort((short) sport).putShort((short) dport).putInt(1).putInt(1).put((byte) 0x50).put((byte) 0x18)
                .putShort((short) 65_535).putShort((short) 0).putShort((short) 0);
        f.put(data);
        byte[] frame = f.array();
        int captured = Math.min(frame.length, 128);
        ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        r.putInt((int) (atNs / 1_000_000_000L)).putInt((int) (atNs % 1_000_000_000L)).putInt(captured)
                .putInt(frame.length);
        pcap.writeBytes(r.array());
        pcap.write(frame, 0, captured);
    }
}
