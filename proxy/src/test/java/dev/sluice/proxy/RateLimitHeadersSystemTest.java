package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;


import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The headers of a key limited in requests per minute tell the truth and agree with each other:
 * {@code x-ratelimit-reset-requests} (until the whole limit is back) is never more than the minute and never sooner
 * than {@code Retry-After} (until one more request fits), and a client that waits either gets what it promises.
 */
@Timeout(120)
class RateLimitHeadersSystemTest {
    private static final String SECRET = "sk-rate-limited-headers";
    private static final int RPM = 5;
    private static final Pattern DURATION = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s)?"
            + "(?:(\\d+)ms)?");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final JumpingClock clock = new JumpingClock();
    private TestGateway gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void shouldAnswerARefusalWithAResetWithinTheMinuteAndNoSoonerThanRetryAfter() throws Exception {
        gw = TestGateway.startWith(GovernanceSystemTest.config(GovernanceSystemTest.keyLine("r", SECRET,
                "limits: {requests_per_minute: " + RPM + "}"), ""), clock);

        for (int i = 0; i < RPM; i++) {
            HttpResponse<String> admitted = chat();
            assertThat(admitted.statusCode()).as(admitted.body()).isEqualTo(200);
            assertThat(resetMs(admitted)).as("reset of admitted request %d", i).isBetween(1L, 60_000L);
        }
        HttpResponse<String> refused = chat();
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
        assertConsistent(refused);

        // The reset is true: once it has passed, the whole limit is available again.
        clock.jumpMillis(resetMs(refused));
        for (int i = 0; i < RPM; i++) {
            assertThat(chat().statusCode()).as("request %d after the reset", i).isEqualTo(200);
        }
        HttpResponse<String> again = chat();
        assertThat(again.statusCode()).isEqualTo(429);
        assertConsistent(again);

        // Retry-After is true: once it has passed, one more request fits.
        clock.jumpMillis(TimeUnit.SECONDS.toMillis(retryAfterSeconds(again)));
        assertThat(chat().statusCode()).isEqualTo(200);
    }

    private static void assertConsistent(HttpResponse<String> refused) {
        assertThat(refused.body()).contains("rate_limit_exceeded");
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        long retryAfterS = retryAfterSeconds(refused);
        long resetMs = resetMs(refused);
        String seen = "retry-after " + retryAfterS + ", x-ratelimit-reset-requests "
                + refused.headers().firstValue("x-ratelimit-reset-requests").orElseThrow();
        assertThat(retryAfterS).as(seen).isGreaterThanOrEqualTo(1);
        assertThat(resetMs).as(seen).isLessThanOrEqualTo(60_000).isGreaterThanOrEqualTo(retryAfterS * 1000);
    }

    private static long retryAfterSeconds(HttpResponse<?> r) {
        return Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
    }

    /** {@code x-ratelimit-reset-requests} in milliseconds, read in OpenAI's format: {@code 1m0s}, {@code 41.5s}. */
    private static long resetMs(HttpResponse<?> r) {
        String text = r.headers().firstValue("x-ratelimit-reset-requests").orElseThrow();
        Matcher m = DURATION.matcher(text);
        assertThat(m.matches() && !text.isEmpty()).as("duration '%s'", text).isTrue();
        long ms = 0;
        ms += m.group(1) == null ? 0 : TimeUnit.HOURS.toMillis(Long.parseLong(m.group(1)));
        ms += m.group(2) == null ? 0 : TimeUnit.MINUTES.toMillis(Long.parseLong(m.group(2)));
        ms += m.group(3) == null ? 0 : Math.round(Double.parseDouble(m.group(3)) * 1000);
        ms += m.group(4) == null ? 0 : Long.parseLong(m.group(4));
        return ms;
    }

    private HttpResponse<String> chat() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + SECRET)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(GovernanceSystemTest.body("demo", 10, ""))).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
