package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PriceTest {
    @Test
    void shouldPriceCachedAndWrittenInputApartAndRoundHalfUp() {
        // $3 in, $15 out, $0.30 cached read, $3.75 cache write per million tokens.
        Price p = new Price(3_000_000, 15_000_000, 300_000, 3_750_000);
        // 1000 in of which 600 cached and 100 written, 200 out:
        // 300*3 + 600*0.3 + 100*3.75 + 200*15 = 900 + 180 + 375 + 3000 = 4455 micro-dollars.
        assertThat(p.costMicros(1000, 200, 600, 100)).isEqualTo(4455);
        assertThat(new Price(150_000, 600_000, 75_000, 150_000).costMicros(10, 0, 0, 0)).isEqualTo(2);
        assertThat(p.costMicros(-1, -1, -1, -1)).isZero();
    }
}
