package dev.sluice.routing.admission;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * A key created at run time, as stored: never the secret, only its SHA-256. Thread-safe (immutable).
 *
 * @param digestHex lower-case hex SHA-256 of the secret
 * @param models allowed model aliases, or {@code null} for every model the team allows
 * @param endpoints allowed endpoint names (as in the configuration), or {@code null} for all
 * @param expiresAtMs epoch milliseconds after which the key is refused, or {@code Long.MAX_VALUE}
 * @param requireTags tags every request must carry ("project", "use_case"), empty for none
 * @param limits the key's own rate limits ({@link Limits#NONE} for none)
 * @param budget the key's own budget, or {@code null}
 */
public record StoredKey(String id, String digestHex, String user, String team, List<String> models,
                        List<String> endpoints,
                        // style-exception(unitSuffix): the JSON name of keys already stored in Redis stays
                        @JsonProperty("expiresAtMillis") long expiresAtMs,
                        boolean disabled, boolean revoked,
                        String project, String useCase, List<String> requireTags, Limits limits, Budget budget,
                        // style-exception(unitSuffix): the JSON name of keys already stored in Redis stays
                        @JsonProperty("createdAtMillis") long createdAtMs) {
}
