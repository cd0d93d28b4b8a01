package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.routing.admission.AdmissionDecision;
import dev.sluice.routing.admission.RateLimitState;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {
    private static HttpHeaders headers(RateLimitState requests, RateLimitState tokens) {
        HttpHeaders h = new DefaultHttpHeaders();
        RateLimitHeaders.add(h, AdmissionDecision.refuse(429, "rate_limit_exceeded", "m", 42, requests, tokens));
        return h;
    }

    @Test
    void shouldGiveTheResetInWholeSecondsRoundedUpAsRetryAfterIs() {
        // A refusal whose one-more-request and whole-limit moments coincide, 41.001 s away: Retry-After 42.
        HttpHeaders h = headers(new RateLimitState(5, 0, 41_001), new RateLimitState(1000, 980, 20));
        assertThat(h.get("x-ratelimit-limit-requests")).isEqualTo("5");
        assertThat(h.get("x-ratelimit-remaining-requests")).isEqualTo("0");
        assertThat(h.get("x-ratelimit-reset-requests")).isEqualTo("42s");
        assertThat(h.get("x-ratelimit-reset-tokens")).isEqualTo("1s");
    }

    @Test
    void shouldWriteOpenAisDurationFormat() {
        assertThat(headers(new RateLimitState(5, 0, 60_000), null).get("x-ratelimit-reset-requests"))
                .isEqualTo("1m0s");
        assertThat(headers(new RateLimitState(5, 5, 0), null).get("x-ratelimit-reset-requests")).isEqualTo("0s");
        assertThat(headers(null, null).contains("x-ratelimit-reset-requests")).isFalse();
        assertThat(RateLimitHeaders.duration(1_500)).isEqualTo("1.5s");
        assertThat(RateLimitHeaders.duration(20)).isEqualTo("20ms");
        assertThat(RateLimitHeaders.duration(3_723_000)).isEqualTo("1h2m3s");
    }

    @Test
    void shouldGiveTheSameResetFromTheTableAsTheFormatRoundedUp() {
        for (long ms : new long[] {0, 1, 999, 1_000, 1_001, 59_001, 60_000, 3_599_000, 3_599_001, 3_600_000, 7_262_500}) {
            String expected = RateLimitHeaders.duration(RateLimitHeaders.wholeSeconds(ms));
            assertThat(RateLimitHeaders.reset(ms).toString()).as("%d ms", ms).isEqualTo(expected);
            assertThat(RateLimitHeaders.reset(ms).toString()).as("%d ms, asked again", ms).isEqualTo(expected);
        }
        assertThat(RateLimitHeaders.reset(59_001).toString()).isEqualTo("1m0s");
        assertThat(RateLimitHeaders.reset(3_599_001).toString()).isEqualTo("1h0m0s");
        assertThat(RateLimitHeaders.reset(7_262_500).toString()).isEqualTo("2h1m3s");
    }
}
