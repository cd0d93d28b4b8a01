package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.Attempt;
import dev.sluice.journal.AttemptOutcome;
import dev.sluice.journal.JournalEntry;
import dev.sluice.mock.MockProvider;
import dev.sluice.routing.config.DeploymentHealth;
import dev.sluice.routing.config.Route;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Retries and fallback before the first byte (RELIABILITY.md C1, C2, C3, C8): a route of several deployments
 * keeps answering when one fails, never re-sends what a provider may have billed unless the route allows it,
 * and its circuits keep a failing deployment's share down to the probes. Each test prints its figures.
 */
@Timeout(180)
class FallbackSystemTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private TestGateway gw;

    @AfterEach
    void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    /** A configuration with the built-in mock, the given extra providers and model aliases. */
    static String config(String upstreamExtra, String providers, String models) {
        return "server:\n  host: 127.0.0.1\n  port: 8080\n  admin_port: 8081\n"
                + "upstream:\n  connect_timeout_ms: 500\n  first_byte_timeout_ms: 1500\n  idle_timeout_ms: 1500\n"
                + "  backoff_ms: 5\n  max_backoff_ms: 20\n"
                + "  circuit: {failures: 5, connect_failures: 3, base_ejection_ms: 300, max_ejection_ms: 3000}\n"
                + upstreamExtra
                + "mock_provider:\n  enabled: true\n"
                + "providers:\n  mock: {kind: openai, base_url: mock}\n  mock-anthropic: {kind: anthropic, base_url: mock}\n"
                + providers
                + "models:\n" + models
                + "keys:\n  - id: test\n    hash: sha256:1c590839af894cf25f9a5fe06929af05b377f60efbe55508ef93d251887b9213\n"
                + "    team: test\n    user: test\n    models: \"*\"\n";
    }

    static String chain(String alias, String extra, String... deployments) {
        StringBuilder b = new StringBuilder("  ").append(alias).append(":\n").append(extra).append("    deployments:\n");
        for (String d : deployments) {
            String[] pm = d.split("/");
            b.append("      - {provider: ").append(pm[0]).append(", model: ").append(pm[1])
                    .append(", price: {input: 1, output: 2}}\n");
        }
        return b.toString();
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A listener that never accepts, its backlog filled: a connection to it times out. */
    private int blackHolePort() throws Exception {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeables.add(s);
        for (int i = 0; i < 4; i++) {
            Socket c = new Socket();
            try {
                c.connect(s.getLocalSocketAddress(), 200);
                closeables.add(c);
            } catch (java.io.IOException full) {
                c.close();
                break;
            }
        }
        return s.getLocalPort();
    }

    private static List<Attempt> attempts(JournalEntry e) {
        return e.end().attempts();
    }

    private static String describe(List<Attempt> attempts) {
        StringBuilder b = new StringBuilder("[");
        for (Attempt a : attempts) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append(a.deployment()).append(':').append(a.outcome() == AttemptOutcome.STATUS || a.outcome()
                    == AttemptOutcome.OK ? String.valueOf(a.status()) : a.outcome().wireName());
        }
        return b.append(']').toString();
    }

    /** The gateway's count of retries that waited on a timer (a backoff or a provider's Retry-After). */
    private long delayedRetries() {
        return gw.gateway().metrics().retriesDelayed();
    }

    private static long p99(long[] micros) {
        long[] s = micros.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)];
    }

    // ---------------------------------------------------------------- C1

    @Test
    void shouldFallBackOnEveryKindOfConnectFailure() throws Exception {
        MockProvider plain = MockProvider.start("127.0.0.1", 0);
        closeables.add(plain);
        String providers = "  refused: {kind: openai, base_url: \"http://127.0.0.1:" + closedPort() + "/v1\"}\n"
                + "  blackhole: {kind: openai, base_url: \"http://127.0.0.1:" + blackHolePort() + "/v1\"}\n"
                + "  badtls: {kind: openai, base_url: \"https://127.0.0.1:" + plain.port() + "/v1\"}\n"
                + "  nodns: {kind: openai, base_url: \"http://no-such-host.invalid/v1\"}\n";
        String[][] cases = {
                {"refused", "connect_refused"}, {"blackhole", "connect_timeout"}, {"badtls", "connect_failed"},
                {"nodns", "connect_failed"}};
        StringBuilder models = new StringBuilder();
        for (String[] c : cases) {
            models.append(chain("c1-" + c[0], "", c[0] + "/gpt-a", "mock/gpt-b"));
        }
        models.append(chain("direct-b", "", "mock/gpt-b"));
        gw = TestGateway.startWith(config("", providers, models.toString()));
        int n = 40;
        long[] direct = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            assertThat(gw.chat("direct-b", "hello").statusCode()).isEqualTo(200);
            direct[i] = (System.nanoTime() - t0) / 1000;
        }
        for (String[] c : cases) {
            long[] took = new long[n];
            int ok = 0;
            int upstreamAttempts = 0;
            String first = null;
            for (int i = 0; i < n; i++) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = gw.chat("c1-" + c[0], "hello");
                took[i] = (System.nanoTime() - t0) / 1000;
                if (r.statusCode() == 200 && r.body().contains("\"model\":\"gpt-b\"")) {
                    ok++;
                }
                JournalEntry e = gw.awaitEnd(TestGateway.requestId(r));
                upstreamAttempts += attempts(e).size();
                if (i == 0) {
                    first = describe(attempts(e));
                    assertThat(attempts(e)).hasSize(2);
                    assertThat(attempts(e).get(0).deployment()).isEqualTo(c[0] + "/gpt-a");
                    assertThat(attempts(e).get(0).outcome().wireName()).isEqualTo(c[1]);
                    assertThat(attempts(e).get(0).uncertainBilled()).isFalse();
                    assertThat(attempts(e).get(1).outcome()).isEqualTo(AttemptOutcome.OK);
                }
            }
            System.out.printf("C1 %s: fallback success %d/%d (%.0f%%), attempts per request %.2f, p99 %.2f ms "
                            + "(direct to B p99 %.2f ms), first request attempts %s%n", c[1], ok, n, 100.0 * ok / n,
                    (double) upstreamAttempts / n, p99(took) / 1000.0, p99(direct) / 1000.0, first);
            assertThat(ok).isEqualTo(n);
            // The circuit takes the failing deployment out after 3 connect failures: later requests go to B first.
            assertThat((double) upstreamAttempts / n).isLessThan(1.5);
        }
        assertThat(plain.requestCount("gpt-a")).isZero();
    }

    // ---------------------------------------------------------------- C2

    @Test
    void shouldHonourRetryAfterAndNeverRetryDeterministicErrors() throws Exception {
        // A's cool-down and ejection outlast the test, so how fast the requests go cannot bring A back early.
        String[] statuses = {"429 retry_after=600", "503", "529"};
        StringBuilder models = new StringBuilder(chain("solo", "", "mock/gpt-s"));
        for (int i = 0; i < statuses.length; i++) {
            models.append(chain("pair" + i, "", "mock/gpt-a" + i, "mock/gpt-b" + i));
        }
        gw = TestGateway.startWith(config("", "", models.toString())
                .replace("base_ejection_ms: 300, max_ejection_ms: 3000",
                        "base_ejection_ms: 600000, max_ejection_ms: 600000"));
        MockProvider mock = gw.mock();

        // 429 / 503 / 529 on A: the request moves to B at once.
        for (int s = 0; s < statuses.length; s++) {
            String status = statuses[s];
            mock.behave("gpt-a" + s, "status=" + status);
            int n = 20;
            int ok = 0;
            for (int i = 0; i < n; i++) {
                HttpResponse<String> r = gw.chat("pair" + s, "hello");
                ok += r.statusCode() == 200 && r.body().contains("\"model\":\"gpt-b" + s + "\"") ? 1 : 0;
            }
            long a = mock.requestCount("gpt-a" + s);
            long b = mock.requestCount("gpt-b" + s);
            System.out.printf("C2 A answers %s: %d/%d served by B, upstream attempts / client requests = %.2f "
                    + "(A %d, B %d)%n", status, ok, n, (double) (a + b) / n, a, b);
            assertThat(ok).isEqualTo(n);
            assertThat(b).isEqualTo(n);
            if (status.startsWith("429")) {
                // A is cooled down for its Retry-After: the next requests go straight to B.
                assertThat(a).isEqualTo(1);
            } else {
                // 5 consecutive failures open A's circuit; then only B is asked.
                assertThat(a).isBetween(5L, 6L);
            }
        }

        // One deployment: its Retry-After is waited for (a retry on the timer), then the same deployment answers.
        mock.clearBehaviours();
        mock.behave("gpt-s", "status=429 retry_after=1 times=1");
        long delayedBefore = delayedRetries();
        long t0 = System.nanoTime();
        HttpResponse<String> r = gw.chat("solo", "hello");
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        List<Attempt> att = attempts(gw.awaitEnd(TestGateway.requestId(r)));
        System.out.printf("C2 Retry-After: 1 on the only deployment: answered after %d ms (reported, not asserted), "
                + "attempts %s%n", tookMs, describe(att));
        assertThat(att).extracting(Attempt::status).containsExactly(429, 200);
        assertThat(att).extracting(Attempt::deployment).containsOnly("mock/gpt-s");
        assertThat(delayedRetries() - delayedBefore).isEqualTo(1);
        // A Retry-After beyond the route's max_retry_after_ms (10 s) is not waited for: the 429 goes back.
        mock.behave("gpt-s", "status=429 retry_after=30 times=1");
        HttpResponse<String> tooLong = gw.chat("solo", "hello");
        assertThat(tooLong.statusCode()).isEqualTo(429);
        assertThat(attempts(gw.awaitEnd(TestGateway.requestId(tooLong)))).extracting(Attempt::status)
                .containsExactly(429);
        assertThat(delayedRetries() - delayedBefore).isEqualTo(1);

        // Deterministic 4xx: never retried, whatever the budget.
        int[][] expect = {{400, 400}, {401, 502}, {403, 502}, {404, 404}, {413, 413}, {422, 422}};
        long retried = 0;
        for (int[] e : expect) {
            mock.behave("gpt-s", "status=" + e[0]);
            long before = mock.requestCount("gpt-s");
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> x = gw.chat("solo", "hello");
                assertThat(x.statusCode()).isEqualTo(e[1]);
            }
            retried += mock.requestCount("gpt-s") - before - 5;
        }
        System.out.printf("C2 deterministic 4xx (400, 401, 403, 404, 413, 422): %d retries%n", retried);
        assertThat(retried).isZero();
    }

    @Test
    void shouldAnswer503WithRetryAfterWhenEveryDeploymentIsCoolingDown() throws Exception {
        gw = TestGateway.startWith(config("", "", chain("pair", "    attempts: 2\n", "mock/gpt-a", "mock/gpt-b")));
        // Cool-downs far longer than the test: the second request finds both deployments still cooling down.
        gw.mock().behave("gpt-a", "status=429 retry_after=120");
        gw.mock().behave("gpt-b", "status=429 retry_after=120");
        HttpResponse<String> first = gw.chat("pair", "hello");
        // Both tried within the budget of 2: the provider's last answer goes back as it was.
        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("retry-after")).hasValue("120");
        HttpResponse<String> second = gw.chat("pair", "hello");
        System.out.println("C2 every deployment cooling down: " + second.statusCode() + " retry-after "
                + second.headers().firstValue("retry-after").orElse("-") + " " + second.body());
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(Integer.parseInt(second.headers().firstValue("retry-after").orElseThrow())).isBetween(1, 120);
        assertThat(second.body()).contains("no_available_deployment").contains("pair");
        assertThat(gw.mock().requestCount("gpt-a") + gw.mock().requestCount("gpt-b")).isEqualTo(2);
    }

    // ---------------------------------------------------------------- C3

    @Test
    void shouldNotResendWhatTheProviderMayHaveBilledUnlessTheRouteAllowsIt() throws Exception {
        gw = TestGateway.startWith(config("", "", chain("safe", "", "mock/gpt-a", "mock/gpt-b")
                + chain("resend", "    resend_after_dispatch: true\n", "mock/gpt-c", "mock/gpt-d")));
        MockProvider mock = gw.mock();
        String[][] faults = {{"head_delay_ms=-1", "504", "first_token_timeout"}, {"reset_before_head=1", "502", "reset"},
                {"status=502", "502", "status"}, {"status=504", "504", "status"}};
        long delivered = 0;
        int requests = 0;
        for (String[] f : faults) {
            mock.behave("gpt-a", f[0]);
            mock.behave("gpt-c", f[0]);
            long a0 = mock.requestCount("gpt-a");
            long d0 = mock.requestCount("gpt-d");
            HttpResponse<String> r = gw.chat("safe", "hello");
            assertThat(r.statusCode()).as(f[0]).isEqualTo(Integer.parseInt(f[1]));
            List<Attempt> att = attempts(gw.awaitEnd(TestGateway.requestId(r)));
            assertThat(att).hasSize(1);
            assertThat(att.get(0).outcome().wireName()).isEqualTo(f[2]);
            assertThat(att.get(0).uncertainBilled()).isTrue();
            assertThat(mock.requestCount("gpt-b")).isZero();
            delivered += mock.requestCount("gpt-a") - a0;
            requests++;

            HttpResponse<String> allowed = gw.chat("resend", "hello");
            List<Attempt> att2 = attempts(gw.awaitEnd(TestGateway.requestId(allowed)));
            System.out.printf("C3 %s: default policy -> %d, attempts %s; resend_after_dispatch -> %d, attempts %s%n",
                    f[0], r.statusCode(), describe(att), allowed.statusCode(), describe(att2));
            assertThat(allowed.statusCode()).isEqualTo(200);
            assertThat(att2).hasSize(2);
            assertThat(att2.get(0).uncertainBilled()).isTrue();
            assertThat(mock.requestCount("gpt-d") - d0).isEqualTo(1);
        }
        System.out.printf("C3 default policy: requests delivered to upstreams per client request %.2f, "
                + "duplicate generations 0%n", (double) delivered / requests);
        assertThat(delivered).isEqualTo(requests);
    }

    // ---------------------------------------------------------------- C8 and the 1,000-request acceptance

    @Test
    void shouldKeepAFailingDeploymentsShareToTheProbesAndTakeItBackWhenItRecovers() throws Exception {
        gw = TestGateway.startWith(config("", "", chain("half", "    strategy: weighted\n", "mock/gpt-a", "mock/gpt-b")));
        MockProvider mock = gw.mock();
        Route route = gw.gateway().config().routes().lookup("half");
        DeploymentHealth a = route.deployments().get(0).health();
        mock.behave("gpt-a", "status=500");
        int concurrency = 8;
        int n = 1000;
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                results.add(pool.submit(() -> gw.chat("half", "hello").statusCode()));
            }
            int ok = 0;
            for (Future<Integer> f : results) {
                ok += f.get() == 200 ? 1 : 0;
            }
            long toA = mock.requestCount("gpt-a");
            long probes = a.probes();
            long inFlightWhenOpened = toA - 5 - probes;
            System.out.printf("C8 A failing 100%%, B healthy, weighted 1:1: %d/%d succeeded; A received %d requests: "
                            + "5 to open its circuit, %d probes, %d already in flight when it opened, 0 while ejected "
                            + "(ejections %d)%n", ok, n, toA, probes, Math.max(0, inFlightWhenOpened), a.ejections());
            assertThat(ok).isEqualTo(n);
            assertThat(inFlightWhenOpened).isLessThanOrEqualTo(concurrency - 1);
            assertThat(toA).isLessThan(n / 10);

            // A recovers: after its ejection ends, a probe succeeds and it takes its share again.
            mock.clearBehaviours();
            long recoverStart = System.nanoTime();
            long before = mock.requestCount("gpt-a");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
                gw.chat("half", "hello");
                return a.state(System.nanoTime()) == DeploymentHealth.CLOSED && mock.requestCount("gpt-a") > before;
            });
            long recoverMs = (System.nanoTime() - recoverStart) / 1_000_000;
            long aBefore = mock.requestCount("gpt-a");
            List<CompletableFuture<Integer>> after = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                after.add(CompletableFuture.supplyAsync(() -> gw.chat("half", "hello").statusCode(), pool));
            }
            int afterOk = 0;
            for (CompletableFuture<Integer> f : after) {
                afterOk += f.get(60, TimeUnit.SECONDS) == 200 ? 1 : 0;
            }
            long shareA = mock.requestCount("gpt-a") - aBefore;
            System.out.printf("C8 recovery: A back in %d ms; next 400 requests: %d ok, A took %d (%.0f%%)%n",
                    recoverMs, afterOk, shareA, shareA / 4.0);
            assertThat(afterOk).isEqualTo(400);
            assertThat(shareA).isBetween(140L, 260L);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldPreferTheFirstDeploymentOfAPriorityChainAndEjectAfterConsecutiveFailures() throws Exception {
        gw = TestGateway.startWith(config("", "", chain("chain", "", "mock/gpt-a", "mock/gpt-b")));
        MockProvider mock = gw.mock();
        for (int i = 0; i < 10; i++) {
            assertThat(gw.chat("chain", "hello").body()).contains("\"model\":\"gpt-a\"");
        }
        mock.behave("gpt-a", "status=503");
        long errors = 0;
        for (int i = 0; i < 50; i++) {
            errors += gw.chat("chain", "hello").statusCode() == 200 ? 0 : 1;
        }
        Route route = gw.gateway().config().routes().lookup("chain");
        DeploymentHealth a = route.deployments().get(0).health();
        System.out.printf("C8 priority chain, A 503s: error rate %d/50, A received %d (probes %d), state %d%n",
                errors, mock.requestCount("gpt-a") - 10, a.probes(), a.state(System.nanoTime()));
        assertThat(errors).isZero();
        assertThat(mock.requestCount("gpt-a") - 10).isEqualTo(5 + a.probes());
    }
}
