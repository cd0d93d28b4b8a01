package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.StoredKey;
import dev.sluice.routing.config.KeyDigester;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The run-time key file: hashes only, atomic replacement, owner-only permissions, read back as written. */
@Timeout(30)
class FileKeyStoreTest {
    private static final String SECRET = "sk-sluice-0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final Set<String> FIELDS = Set.of("id", "sha256", "user", "team", "models", "endpoints",
            "expires_at_ms", "disabled", "revoked", "project", "use_case", "require_tags", "limits", "budget",
            "created_at_ms");

    @TempDir
    Path dir;

    private static StoredKey key(String id, String secret) {
        return new StoredKey(id, KeyDigester.sha256Hex(secret), "ann", "alpha", List.of("m1", "m2"),
                List.of("chat_completions"), 1_900_000_000_000L, false, false, "apollo", "chat", List.of("project"),
                new Limits(60, 10_000, 4), new Budget(BudgetPeriod.WEEK, 50_000_000, 40_000_000), 1_700_000_000_000L);
    }

    @Test
    void shouldReadBackWhatItWroteAndKeepOnlyDigests() throws Exception {
        Path data = dir.resolve("data");
        try (FileKeyStore store = new FileKeyStore(data)) {
            assertThat(store.load()).isEmpty();
            store.put(key("svc-1", SECRET));
            store.put(new StoredKey("bare", KeyDigester.sha256Hex("sk-other-secret-000"), null, null, null, null,
                    Long.MAX_VALUE, true, false, null, null, List.of(), Limits.NONE, null, 5));
        }
        String text = Files.readString(data.resolve(FileKeyStore.FILE_NAME));
        assertThat(text).doesNotContain(SECRET).doesNotContain(SECRET.substring(10))
                .doesNotContain("sk-other-secret-000").contains(KeyDigester.sha256Hex(SECRET));
        JsonNode root = new ObjectMapper().readTree(text);
        assertThat(root.path("version").asInt()).isEqualTo(FileKeyStore.FORMAT_VERSION);
        for (JsonNode k : root.path("keys")) {
            List<String> names = new ArrayList<>();
            k.fieldNames().forEachRemaining(names::add);
            assertThat(names).allMatch(FIELDS::contains);
        }
        try (FileKeyStore again = new FileKeyStore(data)) {
            assertThat(again.load()).containsExactly(key("svc-1", SECRET),
                    new StoredKey("bare", KeyDigester.sha256Hex("sk-other-secret-000"), null, null, null, null,
                            Long.MAX_VALUE, true, false, null, null, List.of(), Limits.NONE, null, 5));
        }
    }

    @Test
    void shouldReplaceByIdAtomicallyWithOwnerOnlyPermissions() throws Exception {
        Path data = dir.resolve("data");
        try (FileKeyStore store = new FileKeyStore(data)) {
            store.put(key("svc-1", SECRET));
            StoredKey rotated = key("svc-1", SECRET + "-rotated");
            store.put(rotated);
            assertThat(store.load()).containsExactly(rotated);
            try (var files = Files.list(data)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly(FileKeyStore.FILE_NAME);
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.file())))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
        }
    }

    @Test
    void shouldRefuseMalformedDigestsAndFilesNamingTheField() throws Exception {
        Path data = dir.resolve("data");
        try (FileKeyStore store = new FileKeyStore(data)) {
            assertThatThrownBy(() -> store.put(new StoredKey("x", SECRET, null, null, null, null, Long.MAX_VALUE,
                    false, false, null, null, List.of(), Limits.NONE, null, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(SECRET);
            assertThat(store.load()).isEmpty();
        }
        Files.writeString(data.resolve(FileKeyStore.FILE_NAME),
                "{\"version\":1,\"keys\":[{\"id\":\"a\",\"sha256\":\"not-hex\"}]}");
        assertThatThrownBy(() -> new FileKeyStore(data)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("keys[0].sha256");
    }
}
