package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.codec.Endpoint;
import dev.sluice.journal.RequestRecord;

import org.junit.jupiter.api.Test;

/** The journal names endpoints by the gateway's ids; the two tables must agree forever. */
class EndpointIdsTest {
    @Test
    void shouldNameEveryEndpointIdAsTheJournalSchemaDoes() {
        for (Endpoint e : Endpoint.values()) {
            assertThat(RequestRecord.endpointName(e.id())).as(e.name()).isEqualTo(e.wireName());
        }
        assertThat(RequestRecord.endpointName((byte) 0)).isEqualTo("unknown");
    }
}
