package dev.sluice.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

class RequestIdsTest {
    @Test
    void shouldFormatAsReqAndSixteenLowercaseHexDigits() {
        assertThat(RequestIds.format(0x0190f3a2b4c5d6e7L)).isEqualTo("req_0190f3a2b4c5d6e7");
        assertThat(RequestIds.format(1)).isEqualTo("req_0000000000000001");
        assertThat(RequestIds.format(-1)).isEqualTo("req_ffffffffffffffff");
        byte[] dst = new byte[24];
        RequestIds.formatAscii(0xABCDEFL, dst, 2);
        assertThat(new String(dst, 2, RequestIds.FORMATTED_LENGTH, StandardCharsets.US_ASCII))
            .isEqualTo("req_0000000000abcdef");
        assertThat(dst[0]).isZero();
        assertThat(dst[22]).isZero();
    }

    @Test
    void shouldParseWhatItFormatsAndRejectAnythingElse() {
        for (long id : new long[] {0, 1, 42, Long.MAX_VALUE, Long.MIN_VALUE, -1, 0x0190f3a2b4c5d6e7L}) {
            assertThat(RequestIds.parse(RequestIds.format(id))).isEqualTo(id);
        }
        assertThat(RequestIds.parse("req_0190F3A2B4C5D6E7")).isEqualTo(0x0190f3a2b4c5d6e7L);
        for (String bad : new String[] {"", "req_", "req_123", "rex_0190f3a2b4c5d6e7", "req_0190f3a2b4c5d6eg",
            "req_0190f3a2b4c5d6e7a"}) {
            assertThatThrownBy(() -> RequestIds.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldHandOutUniqueIncreasingIdsAcrossThreadsAndRestarts() {
        RequestIds ids = new RequestIds(1_700_000_000_000L);
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        IntStream.range(0, 100_000).parallel().forEach(i -> assertThat(seen.add(ids.next())).isTrue());
        assertThat(seen).hasSize(100_000);
        long last = ids.next();
        // A restart a millisecond later starts above every id handed out, unless a run averaged > 2^20 per ms.
        RequestIds restarted = new RequestIds(1_700_000_000_001L);
        assertThat(restarted.next()).isGreaterThan(last);
    }
}
