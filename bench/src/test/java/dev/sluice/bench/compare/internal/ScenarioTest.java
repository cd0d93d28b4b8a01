package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScenarioTest {
    @Test
    void shouldFixTheConnectionsOfTheLatencyScenarios() {
        assertThat(Scenario.byId("lat-c1")).isSameAs(Scenario.LAT_C1);
        assertThat(Scenario.byId("lat-c64")).isSameAs(Scenario.LAT_C64);
        assertThat(Scenario.LAT_C1.connections()).isEqualTo(1);
        assertThat(Scenario.LAT_C64.connections()).isEqualTo(64);
        // The others take their connections from the options.
        assertThat(Scenario.JSON.connections()).isZero();
        assertThat(Scenario.SSE_PACED.connections()).isZero();
    }

    @Test
    void shouldListEveryScenarioForHelpAndErrors() {
        assertThat(Scenario.ids()).isEqualTo(
                "json, sse, sse-paced, json-rate, json-rate-low, seq, lat-c1, lat-c64, paced-max");
        assertThat(Scenario.byId("lat-c2")).isNull();
    }
}
