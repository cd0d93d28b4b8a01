package dev.sluice.routing.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import dev.sluice.codec.Endpoint;
import dev.sluice.codec.TokenEstimator;
import dev.sluice.codec.Usage;
import dev.sluice.routing.config.Price;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class BillingTest {
    /** $2.50 in, $10.00 out, $1.25 cached, $3.00 cache write per million tokens. */
    private static final Price PRICE = new Price(2_500_000, 10_000_000, 1_250_000, 3_000_000);
    private final Billing.Bill bill = new Billing.Bill();

    private static Usage usage(long in, long out, long cached) {
        Usage u = new Usage();
        u.inputTokens = in;
        u.outputTokens = out;
        u.cachedTokens = cached;
        return u;
    }

    @Test
    void shouldBillTheProvidersCountsAtThePrice() {
        Billing.bill(bill, usage(1_000, 200, 400), Endpoint.CHAT_COMPLETIONS, true, 200, false, 20, null, true,
            PRICE);
        assertThat(bill.tokensIn()).isEqualTo(1_000);
        assertThat(bill.tokensOut()).isEqualTo(200);
        assertThat(bill.tokensCached()).isEqualTo(400);
        assertThat(bill.estimated()).isFalse();
        // 600 plain x 2.5 + 400 cached x 1.25 + 200 out x 10 = 1500 + 500 + 2000 micros
        assertThat(bill.costMicros()).isEqualTo(4_000);
    }

    @Test
    void shouldEstimateAndFlagWhatTheProviderDidNotReport() {
        ByteBuf body = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hello"
            + " there, how are you today?\"}]}", StandardCharsets.UTF_8);
        try {
            Billing.bill(bill, new Usage(), Endpoint.CHAT_COMPLETIONS, true, 200, false, 17, body, true, PRICE);
            assertThat(bill.estimated()).isTrue();
            assertThat(bill.tokensOut()).isEqualTo(17);
            assertThat(bill.tokensIn()).isPositive()
                .isEqualTo(TokenEstimator.estimateTokens(body, body.readerIndex(), body.writerIndex()));
            assertThat(bill.costMicros()).isEqualTo(PRICE.costMicros(bill.tokensIn(), 17, -1, -1));
        } finally {
            body.release();
        }
    }

    @Test
    void shouldDistrustNegativeOrAbsurdCounts() {
        assertThat(Billing.plausible(usage(-5, 3, -1))).isFalse();
        assertThat(Billing.plausible(usage(5, Billing.MAX_PLAUSIBLE_TOKENS + 1, -1))).isFalse();
        assertThat(Billing.plausible(usage(-1, -1, -1))).isTrue();
        Billing.bill(bill, usage(-5, 3, -1), Endpoint.CHAT_COMPLETIONS, true, 200, false, 4, null, true, PRICE);
        assertThat(bill.estimated()).isTrue();
        assertThat(bill.tokensOut()).isEqualTo(4);
        assertThat(bill.tokensIn()).isZero();
    }

    @Test
    void shouldTakeWhatWasRelayedAsTheFloorOfAnUnfinishedStream() {
        // Anthropic's message_start says 1 output token; 30 content events went out before the client left.
        Billing.bill(bill, usage(50, 1, -1), Endpoint.MESSAGES, true, 200, true, 30, null, true, PRICE);
        assertThat(bill.tokensOut()).isEqualTo(30);
        assertThat(bill.tokensIn()).isEqualTo(50);
        assertThat(bill.estimated()).isTrue();
    }

    @Test
    void shouldCountNoOutputForEmbeddings() {
        Billing.bill(bill, usage(12, -1, -1), Endpoint.EMBEDDINGS, true, 200, false, -1, null, true, PRICE);
        assertThat(bill.tokensOut()).isZero();
        assertThat(bill.estimated()).isFalse();
        assertThat(bill.costMicros()).isEqualTo(PRICE.costMicros(12, 0, -1, -1));
    }

    @Test
    void shouldBillNothingWhenNoProviderGotTheRequestAndUnknownWithoutAPrice() {
        Billing.bill(bill, null, Endpoint.CHAT_COMPLETIONS, false, 0, false, -1, null, false, PRICE);
        assertThat(bill.costMicros()).isZero();
        assertThat(bill.tokensIn()).isEqualTo(-1);
        assertThat(bill.estimated()).isFalse();

        Billing.bill(bill, usage(10, 5, -1), Endpoint.CHAT_COMPLETIONS, true, 200, false, 5, null, true, null);
        assertThat(bill.costMicros()).as("no price: unknown, never 0").isEqualTo(-1);

        Billing.bill(bill, null, Endpoint.CHAT_COMPLETIONS, true, 503, false, -1, null, true, PRICE);
        assertThat(bill.tokensIn()).isEqualTo(-1);
        assertThat(bill.costMicros()).as("an error answer with no counts").isEqualTo(-1);
    }
}
