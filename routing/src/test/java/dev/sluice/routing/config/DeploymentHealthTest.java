package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeploymentHealthTest {
    private static final long MS = 1_000_000L;
    private static final CircuitSettings CIRCUIT = new CircuitSettings(2, 1, 1000, 3000);

    @Test
    void shouldStartClosedAvailableAndUnmeasured() {
        DeploymentHealth h = new DeploymentHealth();
        assertThat(h.state(0)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(h.available(Long.MIN_VALUE)).isTrue();
        assertThat(h.available(Long.MAX_VALUE)).isTrue();
        assertThat(h.ewmaTtftNs()).isZero();
        assertThat(h.ejections()).isZero();
        assertThat(h.coolDownUntilNs()).isEqualTo(Long.MIN_VALUE);
        assertThat(h.successes() + h.upstreamFailures() + h.connectFailures() + h.timeouts() + h.picks() + h.probes())
                .isZero();
    }

    @Test
    void shouldAverageTimeToFirstTokenWithAlphaOneFifth() {
        DeploymentHealth h = new DeploymentHealth();
        h.recordSuccess(0);
        h.recordSuccess(-5);
        assertThat(h.ewmaTtftNs()).isZero();
        h.recordSuccess(1000 * MS);
        assertThat(h.ewmaTtftNs()).isEqualTo(1000 * MS);
        h.recordSuccess(500 * MS);
        assertThat(h.ewmaTtftNs()).isEqualTo(900 * MS);
        h.recordSuccess(1900 * MS);
        assertThat(h.ewmaTtftNs()).isEqualTo(1100 * MS);
        assertThat(h.successes()).isEqualTo(5);
    }

    @Test
    void shouldCountEachKindAndSayWhenAnEjectionIsDue() {
        DeploymentHealth h = new DeploymentHealth();
        assertThat(h.recordFailure(FailureKind.UPSTREAM, CIRCUIT)).isFalse();
        assertThat(h.recordFailure(FailureKind.TIMEOUT, CIRCUIT)).isTrue();
        assertThat(h.recordFailure(FailureKind.CONNECT, CIRCUIT)).isTrue();
        assertThat(h.upstreamFailures()).isEqualTo(1);
        assertThat(h.timeouts()).isEqualTo(1);
        assertThat(h.connectFailures()).isEqualTo(1);
        // Nothing opens until the route decides to eject.
        assertThat(h.state(0)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(h.ejectIfDue(0, CIRCUIT)).isTrue();
        assertThat(h.state(0)).isEqualTo(DeploymentHealth.OPEN);
        // A second judge of the same failures finds the counts reset and nothing due.
        assertThat(h.ejectIfDue(0, CIRCUIT)).isFalse();
        assertThat(h.ejections()).isEqualTo(1);
    }

    @Test
    void shouldKeepDeadlinesRightAcrossTheWrapOfNanoTime() {
        DeploymentHealth h = new DeploymentHealth();
        long now = Long.MAX_VALUE - 500 * MS;
        h.recordFailure(FailureKind.CONNECT, CIRCUIT);
        h.ejectIfDue(now, CIRCUIT);
        assertThat(h.ejectedUntilNs()).isNegative();
        assertThat(h.state(now + 999 * MS)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(h.available(now + 999 * MS)).isFalse();
        assertThat(h.state(now + 1000 * MS)).isEqualTo(DeploymentHealth.HALF_OPEN);
        assertThat(h.tryAcquire(now + 1000 * MS)).isTrue();
        assertThat(h.tryAcquire(now + 1000 * MS)).isFalse();
        assertThat(h.probes()).isEqualTo(1);
        h.coolDown(now + 2000 * MS);
        assertThat(h.coolingDown(now + 1999 * MS)).isTrue();
        assertThat(h.coolingDown(now + 2000 * MS)).isFalse();
    }

    @Test
    void shouldIgnoreAStragglerWhileOpenAndCloseOnlyOnAProbe() {
        DeploymentHealth h = new DeploymentHealth();
        h.recordFailure(FailureKind.CONNECT, CIRCUIT);
        h.ejectIfDue(0, CIRCUIT);
        // An attempt sent before the ejection reports late: it neither extends nor closes the circuit.
        assertThat(h.recordFailure(FailureKind.UPSTREAM, CIRCUIT)).isFalse();
        h.recordSuccess(10 * MS);
        assertThat(h.state(500 * MS)).isEqualTo(DeploymentHealth.OPEN);
        assertThat(h.tryAcquire(1000 * MS)).isTrue();
        h.recordSuccess(10 * MS);
        assertThat(h.state(1000 * MS)).isEqualTo(DeploymentHealth.CLOSED);
        assertThat(h.ejections()).isZero();
    }

    @Test
    void shouldComputeEjectionLengthsAndProbeStaleness() {
        assertThat(CIRCUIT.ejectionNs(1)).isEqualTo(1000 * MS);
        assertThat(CIRCUIT.ejectionNs(2)).isEqualTo(2000 * MS);
        assertThat(CIRCUIT.ejectionNs(4)).isEqualTo(3000 * MS);
        assertThat(CIRCUIT.ejectionNs(Integer.MAX_VALUE)).isEqualTo(3000 * MS);
        assertThat(CIRCUIT.probeStaleNs()).isEqualTo(10_000 * MS);
        assertThat(new CircuitSettings(1, 1, 30_000, 60_000).probeStaleNs()).isEqualTo(30_000 * MS);
    }

    @Test
    void shouldBackOffExponentiallyWithJitterWithinTheCap() {
        RoutePolicy p = RoutePolicy.DEFAULTS;
        for (int i = 0; i < 1000; i++) {
            assertThat(p.backoffMs(1)).isBetween(50L, 100L);
            assertThat(p.backoffMs(2)).isBetween(100L, 200L);
            assertThat(p.backoffMs(5)).isBetween(800L, 1600L);
            assertThat(p.backoffMs(6)).isBetween(1000L, 2000L);
            assertThat(p.backoffMs(40)).isBetween(1000L, 2000L);
        }
        RoutePolicy none = new RoutePolicy(3, 0, 0, 0, false, 1, 1, 1, 0, CircuitSettings.DEFAULTS);
        assertThat(none.backoffMs(3)).isZero();
    }
}
