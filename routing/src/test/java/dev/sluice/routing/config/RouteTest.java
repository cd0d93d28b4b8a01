package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

class RouteTest {
    private static final long MS = 1_000_000L;
    /** nanoTime may be negative: start there so that deadline arithmetic must be wrap-safe. */
    private static final long T0 = -5_000 * MS;
    private static final ProviderConfig A = provider("a", null);
    private static final ProviderConfig B = provider("b", null);
    private static final ProviderConfig C = provider("c", null);
    private static final ProviderConfig OFF = provider("off", "OFF_KEY is not set");
    /** Three upstream failures or two connect failures eject, for 1 s x n, at most 2.5 s. */
    private static final RoutePolicy POLICY = RoutePolicy.DEFAULTS.withCircuit(new CircuitSettings(3, 2, 1000, 2500));

    private static ProviderConfig provider(String name, String disabledReason) {
        return new ProviderConfig(name, ProviderKind.OPENAI, false, false, "127.0.0.1", 9, "/v1", null,
                disabledReason);
    }

    private static Deployment dep(int index, ProviderConfig p, int weight, int priority, Price price) {
        return new Deployment(index, p, "m" + index, price, weight, priority, new DeploymentHealth());
    }

    private static Route route(Strategy s, Deployment... ds) {
        return new Route(0, "alias", s, POLICY, List.of(ds));
    }

    private static Route twoByPriority() {
        return route(Strategy.PRIORITY, dep(0, A, 1, 0, null), dep(1, B, 1, 1, null));
    }

    @Test
    void shouldPickByPriorityThenFallBackAlongTheExclusionMask() {
        Route r = route(Strategy.PRIORITY, dep(0, A, 1, 5, null), dep(1, B, 1, 1, null), dep(2, C, 1, 3, null));
        assertThat(r.pick(T0, 0).index()).isEqualTo(1);
        assertThat(r.pick(T0, 0b010).index()).isEqualTo(2);
        assertThat(r.pick(T0, 0b110).index()).isEqualTo(0);
        assertThat(r.pick(T0, 0b111)).isNull();
        assertThat(r.deployments().get(1).health().picks()).isEqualTo(1);
    }

    @Test
    void shouldShareEqualPrioritiesByWeight() {
        Route r = route(Strategy.PRIORITY, dep(0, A, 1, 0, null), dep(1, B, 3, 0, null), dep(2, C, 1, 1, null));
        int[] counts = countPicks(r, 40_000);
        assertThat(counts[2]).isZero();
        assertThat(counts[1] / 40_000.0).isCloseTo(0.75, within(0.02));
    }

    @Test
    void shouldPickWeightedInProportionAndNeverAWeightOfZero() {
        Route r = route(Strategy.WEIGHTED, dep(0, A, 3, 0, null), dep(1, B, 1, 1, null), dep(2, C, 0, 2, null));
        int n = 100_000;
        int[] counts = countPicks(r, n);
        assertThat(counts[0] / (double) n).isCloseTo(0.75, within(0.015));
        assertThat(counts[1] / (double) n).isCloseTo(0.25, within(0.015));
        assertThat(counts[2]).isZero();
        assertThat(r.pick(T0, 0b001).index()).isEqualTo(1);
        // Only the weight-0 deployment is left: weighted never picks it.
        assertThat(r.pick(T0, 0b011)).isNull();
    }

    @Test
    void shouldRefuseAWeightedRouteWhoseWeightsAreAllZero() {
        assertThatThrownBy(() -> route(Strategy.WEIGHTED, dep(0, A, 0, 0, null), dep(1, B, 0, 1, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight above 0");
    }

    private static int[] countPicks(Route r, int n) {
        int[] counts = new int[r.deployments().size()];
        for (int i = 0; i < n; i++) {
            counts[r.pick(T0, 0).index()]++;
        }
        return counts;
    }

    @Test
    void shouldExploreUnsampledDeploymentsThenPreferTheLowerLatency() {
        Route r = route(Strategy.LEAST_LATENCY, dep(0, A, 1, 0, null), dep(1, B, 1, 1, null), dep(2, C, 1, 2, null));
        Deployment a = r.deployments().get(0);
        Deployment b = r.deployments().get(1);
        Deployment c = r.deployments().get(2);
        assertThat(r.pick(T0, 0)).isSameAs(a);
        r.onSuccess(a, 300 * MS);
        assertThat(r.pick(T0, 0)).isSameAs(b);
        r.onSuccess(b, 100 * MS);
        assertThat(r.pick(T0, 0)).isSameAs(c);
        r.onSuccess(c, 200 * MS);
        assertThat(r.pick(T0, 0)).isSameAs(b);
        assertThat(r.pick(T0, 0b010)).isSameAs(c);
        // b slows down: 100 -> 100 + 0.2 x (1100 - 100) = 300 ms, then 300 + 0.2 x (1300 - 300) = 500 ms.
        r.onSuccess(b, 1100 * MS);
        r.onSuccess(b, 1300 * MS);
        assertThat(b.health().ewmaTtftNs()).isEqualTo(500 * MS);
        assertThat(r.pick(T0, 0)).isSameAs(c);
    }

    @Test
    void shouldPreferTheCheaperDeploymentAndPutUnpricedLast() {
        Price dear = new Price(2_500_000, 10_000_000, 0, 0);
        Price cheap = new Price(150_000, 600_000, 0, 0);
        Route r = route(Strategy.LEAST_COST, dep(0, A, 1, 0, null), dep(1, B, 1, 1, dear), dep(2, C, 1, 2, cheap));
        assertThat(r.pick(T0, 0).index()).isEqualTo(2);
        assertThat(r.pick(T0, 0b100).index()).isEqualTo(1);
        assertThat(r.pick(T0, 0b110).index()).isEqualTo(0);
    }

    @Test
    void shouldSkipDeploymentsOfDisabledProviders() {
        Route r = route(Strategy.PRIORITY, dep(0, OFF, 1, 0, null), dep(1, B, 1, 1, null));
        assertThat(r.pick(T0, 0).index()).isEqualTo(1);
        assertThat(r.pick(T0, 0b10)).isNull();
        Route off = route(Strategy.PRIORITY, dep(0, OFF, 1, 0, null));
        assertThat(off.pick(T0, 0)).isNull();
        assertThat(off.nextAvailableNs(T0)).isEqualTo(T0);
    }

    @Test
    void shouldOpenAfterConsecutiveFailuresAndRouteAround() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        r.onFailure(a, FailureKind.TIMEOUT, T0);
        assertThat(a.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        r.onFailure(a, FailureKind.UPSTREAM, T0 + 10 * MS);
        assertThat(a.health().state(T0 + 10 * MS)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(a.health().ejections()).isEqualTo(1);
        assertThat(a.health().ejectedUntilNs()).isEqualTo(T0 + 1010 * MS);
        assertThat(a.health().upstreamFailures()).isEqualTo(2);
        assertThat(a.health().timeouts()).isEqualTo(1);
        for (int i = 0; i < 100; i++) {
            assertThat(r.pick(T0 + 500 * MS, 0).index()).isEqualTo(1);
        }
        assertThat(a.health().picks()).isZero();
        assertThat(r.nextAvailableNs(T0 + 500 * MS)).isEqualTo(T0 + 500 * MS);
    }

    @Test
    void shouldResetTheConsecutiveCountOnSuccess() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        r.onSuccess(a, 0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        assertThat(a.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(a.health().ewmaTtftNs()).isZero();
        assertThat(a.health().successes()).isEqualTo(1);
    }

    @Test
    void shouldCountConnectFailuresApartFromUpstreamFailures() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        r.onFailure(a, FailureKind.CONNECT, T0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        r.onFailure(a, FailureKind.UPSTREAM, T0);
        // One connect failure (of 2) and two upstream failures (of 3): neither count has reached its threshold.
        assertThat(a.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        r.onFailure(a, FailureKind.CONNECT, T0);
        assertThat(a.health().state(T0)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(a.health().connectFailures()).isEqualTo(2);
        assertThat(a.health().upstreamFailures()).isEqualTo(2);
    }

    @Test
    void shouldNeverEjectTheLastDeploymentInRotation() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        Deployment b = r.deployments().get(1);
        ejectAt(r, a, T0);
        for (int i = 0; i < 10; i++) {
            r.onFailure(b, FailureKind.UPSTREAM, T0 + i);
        }
        assertThat(b.health().state(T0 + 10)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(r.pick(T0 + 10, 0)).isSameAs(b);

        Route single = route(Strategy.PRIORITY, dep(0, A, 1, 0, null));
        Deployment only = single.primary();
        for (int i = 0; i < 20; i++) {
            single.onFailure(only, i % 2 == 0 ? FailureKind.CONNECT : FailureKind.UPSTREAM, T0);
        }
        assertThat(only.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(single.pick(T0, 0)).isSameAs(only);

        // A disabled provider is out of rotation already: its healthy sibling is the last one.
        Route half = route(Strategy.PRIORITY, dep(0, OFF, 1, 0, null), dep(1, B, 1, 1, null));
        ejectAt(half, half.deployments().get(1), T0);
        assertThat(half.deployments().get(1).health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
    }

    @Test
    void shouldEjectTheDeploymentThatReachesItsThresholdOnceTheOtherRecovers() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        Deployment b = r.deployments().get(1);
        ejectAt(r, a, T0);
        ejectAt(r, b, T0);
        assertThat(b.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        // a's probe succeeds; b's next failure now ejects it (its count stayed at the threshold).
        assertThat(r.pick(T0 + 1000 * MS, 0)).isSameAs(a);
        r.onSuccess(a, 0);
        r.onFailure(b, FailureKind.UPSTREAM, T0 + 1001 * MS);
        assertThat(b.health().state(T0 + 1001 * MS)).isEqualTo(DeploymentHealth.OPEN);
    }

    @Test
    void shouldGrowTheEjectionWithEachFailedProbeUpToTheCap() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        ejectAt(r, a, T0);
        long t = T0;
        long[] expectedMs = {1000, 2000, 2500, 2500};
        for (int n = 0; n < expectedMs.length; n++) {
            assertThat(a.health().ejections()).isEqualTo(n + 1);
            long until = t + expectedMs[n] * MS;
            assertThat(a.health().ejectedUntilNs()).isEqualTo(until);
            assertThat(a.health().state(until - 1)).isEqualTo(DeploymentHealth.OPEN);
            assertThat(r.pick(until - 1, 0)).isNotSameAs(a);
            assertThat(a.health().state(until)).isEqualTo(DeploymentHealth.HALF_OPEN);
            assertThat(r.pick(until, 0)).isSameAs(a);
            r.onFailure(a, FailureKind.UPSTREAM, until + 5 * MS);
            t = until + 5 * MS;
        }
        assertThat(a.health().probes()).isEqualTo(4);
    }

    @Test
    void shouldCloseWhenTheProbeSucceeds() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        ejectAt(r, a, T0);
        long half = T0 + 1000 * MS;
        assertThat(r.pick(half, 0)).isSameAs(a);
        assertThat(a.health().available(half)).isFalse();
        r.onSuccess(a, 40 * MS);
        assertThat(a.health().state(half)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(a.health().ejections()).isZero();
        assertThat(a.health().ewmaTtftNs()).isEqualTo(40 * MS);
        assertThat(r.pick(half, 0)).isSameAs(a);
        assertThat(r.pick(half, 0)).isSameAs(a);
        // A later ejection starts from base again.
        ejectAt(r, a, half);
        assertThat(a.health().ejectedUntilNs()).isEqualTo(half + 1000 * MS);
    }

    @Test
    @Timeout(30)
    void shouldAdmitExactlyOneProbeWhenThreadsRace() throws Exception {
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int round = 0; round < 50; round++) {
                Route r = twoByPriority();
                Deployment a = r.deployments().get(0);
                ejectAt(r, a, T0);
                long half = T0 + 1000 * MS;
                CyclicBarrier start = new CyclicBarrier(threads);
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    results.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        int probes = 0;
                        for (int i = 0; i < 500; i++) {
                            if (r.pick(half, 0) == a) {
                                probes++;
                            }
                        }
                        return probes;
                    }));
                }
                int total = 0;
                for (Future<Integer> f : results) {
                    total += f.get(10, TimeUnit.SECONDS);
                }
                assertThat(total).as("probes handed out in round " + round).isEqualTo(1);
                assertThat(a.health().probes()).isEqualTo(1);
                assertThat(r.deployments().get(1).health().picks()).isEqualTo(threads * 500 - 1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFreeTheProbeSlotOnANeutralEndAndReplaceAStaleProbe() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        ejectAt(r, a, T0);
        long half = T0 + 1000 * MS;
        assertThat(r.pick(half, 0)).isSameAs(a);
        assertThat(r.pick(half, 0)).isNotSameAs(a);
        r.onNeutral(a);
        assertThat(a.health().state(half)).isEqualTo(DeploymentHealth.HALF_OPEN);
        assertThat(r.pick(half + MS, 0)).isSameAs(a);
        // That probe never reports: after max(10 s, base ejection) another may replace it.
        assertThat(r.pick(half + MS + 9_999 * MS, 0)).isNotSameAs(a);
        assertThat(a.health().available(half + MS + 10_000 * MS)).isTrue();
        assertThat(r.pick(half + MS + 10_000 * MS, 0)).isSameAs(a);
        assertThat(a.health().probes()).isEqualTo(3);
    }

    @Test
    void shouldHonourACoolDownAndReportWhenTheRouteIsAvailableAgain() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        Deployment b = r.deployments().get(1);
        a.health().coolDown(T0 + 2000 * MS);
        assertThat(r.pick(T0, 0)).isSameAs(b);
        assertThat(a.health().state(T0)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(a.health().available(T0 + 1999 * MS)).isFalse();
        ejectAt(r, b, T0);
        assertThat(b.health().state(T0)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(r.pick(T0, 0)).isNull();
        // b is out until T0 + 1 s, a until T0 + 2 s: the earlier one answers the Retry-After.
        assertThat(r.nextAvailableNs(T0)).isEqualTo(T0 + 1000 * MS);
        assertThat(r.nextAvailableNs(T0 + 1000 * MS)).isEqualTo(T0 + 1000 * MS);
        assertThat(r.pick(T0 + 1000 * MS, 0)).isSameAs(b);
        // b's probe is in flight and a still cools down: nothing to pick, but the probe may answer any moment.
        assertThat(r.pick(T0 + 1001 * MS, 0)).isNull();
        assertThat(r.nextAvailableNs(T0 + 1001 * MS)).isEqualTo(T0 + 1001 * MS);
        assertThat(r.pick(T0 + 2000 * MS, 0b10)).isSameAs(a);
        // A cool-down never shortens one already set.
        a.health().coolDown(T0 + 500 * MS);
        assertThat(a.health().coolDownUntilNs()).isEqualTo(T0 + 2000 * MS);
    }

    @Test
    void shouldKeepHealthAcrossATableRebuild() {
        Route r = twoByPriority();
        Deployment a = r.deployments().get(0);
        ejectAt(r, a, T0);
        RouteTable before = new RouteTable(List.of(r));
        Route renamed = new Route(0, "other", Strategy.PRIORITY, POLICY,
                List.of(dep(0, A, 1, 0, null)));
        Route rebuilt = new Route(1, "alias", Strategy.WEIGHTED, POLICY,
                List.of(dep(0, C, 1, 0, null), new Deployment(1, A, "m0", null, 2, 1, new DeploymentHealth())));
        RouteTable after = new RouteTable(List.of(renamed, rebuilt)).withHealthFrom(before);
        Deployment kept = after.lookup("alias").deployments().get(1);
        assertThat(kept.health()).isSameAs(a.health());
        assertThat(kept.health().upstreamFailures()).isEqualTo(3);
        assertThat(kept.health().state(T0)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(kept.weight()).isEqualTo(2);
        assertThat(after.lookup("alias").deployments().get(0).health()).isNotSameAs(a.health());
        // Same provider and model under another alias is another deployment.
        assertThat(after.lookup("other").primary().health()).isNotSameAs(a.health());
        assertThat(after.lookup("alias").index()).isEqualTo(1);
    }

    @Test
    void shouldRebindProvidersWithoutLosingHealth() {
        Route r = twoByPriority();
        ProviderConfig moved = A.withPort(4321);
        Route bound = r.withProviders(Map.of("a", moved));
        assertThat(bound.primary().provider()).isSameAs(moved);
        assertThat(bound.primary().health()).isSameAs(r.primary().health());
        assertThat(bound.deployments().get(1).provider()).isSameAs(B);
    }

    @Test
    void shouldRefuseMalformedDeploymentLists() {
        assertThatThrownBy(() -> new Route(0, "x", Strategy.PRIORITY, POLICY, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(expected: 1-64)");
        assertThatThrownBy(() -> route(Strategy.PRIORITY, dep(1, A, 1, 0, null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("index: 1 (expected: 0)");
        assertThatThrownBy(() -> route(Strategy.PRIORITY, dep(0, A, 1, 0, null),
                new Deployment(1, A, "m0", null, 1, 1, new DeploymentHealth())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a/m0 is listed twice");
    }

    @Test
    void shouldDescribeTheDeploymentsOfTheShorthandConstructor() {
        Route r = new Route(3, "demo", A, "gpt", null);
        assertThat(r.index()).isEqualTo(3);
        assertThat(r.strategy()).isEqualTo(Strategy.PRIORITY);
        assertThat(r.policy()).isEqualTo(RoutePolicy.DEFAULTS);
        assertThat(r.primary().name()).isEqualTo("a/gpt");
        assertThat(r.toString()).isEqualTo("Route{demo -> a/gpt}");
        assertThat(twoByPriority().toString()).isEqualTo("Route{alias -> priority [a/m0, b/m1]}");
    }

    /** Drives {@code d} to its ejection with three upstream failures at {@code now}. */
    private static void ejectAt(Route r, Deployment d, long now) {
        for (int i = 0; i < 3; i++) {
            r.onFailure(d, FailureKind.UPSTREAM, now);
        }
    }
}
