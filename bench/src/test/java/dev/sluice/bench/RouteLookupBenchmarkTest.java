package dev.sluice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class RouteLookupBenchmarkTest {

    @ParameterizedTest
    @ValueSource(ints = {8, 200})
    void shouldFindTheRouteNamedInTheBodyAndTheKeyPresented(int size) {
        RouteLookupBenchmark bench = new RouteLookupBenchmark();
        bench.size = size;
        bench.setUp();
        try {
            int wanted = size / 2 + 1;
            assertThat(bench.routeFromBody().name()).isEqualTo(RouteLookupBenchmark.aliasName(wanted));
            assertThat(bench.routeFromBody().index()).isEqualTo(wanted);
            assertThat(bench.keyFromHeader().id()).isEqualTo("key-" + wanted);
        } finally {
            bench.tearDown();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 7, 8, 199})
    void shouldNameEveryAliasDistinctly(int i) {
        assertThat(RouteLookupBenchmark.aliasName(i)).isNotEqualTo(RouteLookupBenchmark.aliasName(i + 8));
    }
}
