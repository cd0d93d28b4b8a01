package dev.sluice.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;

import org.junit.jupiter.api.Test;

class TokenEstimatorTest {

    @Test
    void shouldEstimateTokensAsBytesOverFourRoundedUp() {
        var buf = Unpooled.buffer(16).writeZero(16);
        try {
            assertThat(TokenEstimator.estimateTokens(buf, 0, 0)).isZero();
            assertThat(TokenEstimator.estimateTokens(buf, 0, 1)).isEqualTo(1);
            assertThat(TokenEstimator.estimateTokens(buf, 2, 10)).isEqualTo(2);
            assertThat(TokenEstimator.estimateTokens(buf, 3, 12)).isEqualTo(3);
            assertThatThrownBy(() -> TokenEstimator.estimateTokens(buf, 5, 4))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            assertThatThrownBy(() -> TokenEstimator.estimateTokens(buf, 0, 17))
                    .isInstanceOf(IndexOutOfBoundsException.class);
        } finally {
            buf.release();
        }
    }
}
