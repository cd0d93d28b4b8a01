package dev.sluice.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import org.junit.jupiter.api.Test;

import java.util.List;

/**
 * A stored key's JSON (as the Redis key store writes it) keeps its field names across releases: a key stored by
 * an earlier gateway reads back, and a gateway of an earlier release reads what this one stores.
 */
class StoredKeyJsonTest {
    /** Configured as the Redis key store's: unknown fields are skipped, so a renamed field would be lost silently. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    @Test
    void shouldKeepTheStoredFieldNames() throws Exception {
        StoredKey k = new StoredKey("k1", "ab", "ann", "alpha", List.of("m1"), null, 1_900_000_000_000L, false,
                false, null, null, List.of(), Limits.NONE, null, 1_780_000_000_000L);
        String json = JSON.writeValueAsString(k);
        assertThat(json).contains("\"expiresAtMillis\":1900000000000").contains("\"createdAtMillis\":1780000000000")
                .doesNotContain("expiresAtMs").doesNotContain("createdAtMs");
        StoredKey back = JSON.readValue(json, StoredKey.class);
        assertThat(back).isEqualTo(k);
        assertThat(back.expiresAtMs()).as("an expiry read back, not skipped as unknown").isEqualTo(1_900_000_000_000L);
    }
}
