package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.BudgetPeriod;
import dev.sluice.routing.admission.KeyStore;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.StoredKey;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Run-time keys in {@code <data_dir>/keys.json}: digests and settings only, never a secret. Every {@link #put}
 * rewrites the whole file through a temporary file, forced to disk, then renamed over the old one, so a crash
 * leaves either the old or the new file. The file is mode 0600 and its directory 0700 where the file system has
 * POSIX permissions. Only this process writes the file, so {@link #watch} has nothing to report. Thread-safe.
 */
public final class FileKeyStore implements KeyStore {
    /** The file's name inside the data directory. */
    public static final String FILE_NAME = "keys.json";
    /** The format written in the file's {@code version} field. */
    public static final int FORMAT_VERSION = 1;

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    private final ObjectMapper json = new ObjectMapper();
    private final Path dir;
    private final Path file;
    private final Map<String, StoredKey> keys = new LinkedHashMap<>();
    private volatile List<StoredKey> snapshot;

    /**
     * Opens (creating the directory when needed) and reads the store.
     *
     * @throws UncheckedIOException when the directory cannot be made or the file cannot be read
     * @throws IllegalStateException when the file is not a valid key store (names the field)
     */
    public FileKeyStore(Path dataDir) {
        this.dir = requireNonNull(dataDir, "dataDir").toAbsolutePath();
        this.file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            restrict(dir, OWNER_DIR);
            if (Files.exists(file)) {
                for (StoredKey k : parse(json.readTree(file.toFile()))) {
                    keys.put(k.id(), k);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        this.snapshot = List.copyOf(keys.values());
    }

    /** Returns the file the keys are kept in. */
    public Path file() {
        return file;
    }

    @Override
    public List<StoredKey> load() {
        return snapshot;
    }

    /** @throws UncheckedIOException when the file cannot be written; the store is then unchanged */
    @Override
    public synchronized void put(StoredKey key) {
        requireNonNull(key, "key");
        if (!HEX64.matcher(key.digestHex()).matches()) {
            throw new IllegalArgumentException("digestHex: not 64 lower-case hex digits (expected: a SHA-256)");
        }
        StoredKey previous = keys.put(key.id(), key);
        try {
            write();
        } catch (IOException e) {
            if (previous == null) {
                keys.remove(key.id());
            } else {
                keys.put(key.id(), previous);
            }
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        snapshot = List.copyOf(keys.values());
    }

    @Override
    public void watch(Runnable onChange) {
        requireNonNull(onChange, "onChange");
    }

    @Override
    public void close() {
        // Nothing is held open between writes.
    }

    private void write() throws IOException {
        ObjectNode root = json.createObjectNode().put("version", FORMAT_VERSION);
        ArrayNode list = root.putArray("keys");
        for (StoredKey k : keys.values()) {
            list.add(node(k));
        }
        byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp);
        restrict(tmp, OWNER_FILE);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
        forceDirectory();
    }

    /** Makes the rename durable too (a no-op where directories cannot be opened). */
    private void forceDirectory() {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot open a directory; the rename is then as durable as the file system makes it.
        }
    }

    private static void restrict(Path p, Set<PosixFilePermission> perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its own access control applies.
        }
    }

    private ObjectNode node(StoredKey k) {
        ObjectNode n = json.createObjectNode();
        n.put("id", k.id()).put("sha256", k.digestHex()).put("user", k.user()).put("team", k.team());
        strings(n, "models", k.models());
        strings(n, "endpoints", k.endpoints());
        n.put("expires_at_ms", k.expiresAtMs()).put("disabled", k.disabled()).put("revoked", k.revoked());
        n.put("project", k.project()).put("use_case", k.useCase());
        strings(n, "require_tags", k.requireTags());
        Limits l = k.limits() == null ? Limits.NONE : k.limits();
        n.putObject("limits").put("requests_per_minute", l.requestsPerMinute())
                .put("tokens_per_minute", l.tokensPerMinute()).put("concurrent", l.concurrent());
        if (k.budget() == null) {
            n.putNull("budget");
        } else {
            n.putObject("budget").put("period", k.budget().period().configName())
                    .put("hard_micros", k.budget().hardMicros()).put("soft_micros", k.budget().softMicros());
        }
        n.put("created_at_ms", k.createdAtMs());
        return n;
    }

    private static void strings(ObjectNode n, String field, List<String> values) {
        if (values == null) {
            n.putNull(field);
        } else {
            ArrayNode a = n.putArray(field);
            values.forEach(a::add);
        }
    }

    private List<StoredKey> parse(JsonNode root) {
        if (!root.isObject() || root.path("version").asInt(-1) != FORMAT_VERSION || !root.path("keys").isArray()) {
            throw invalid("", "expected {\"version\": " + FORMAT_VERSION + ", \"keys\": [...]}");
        }
        List<StoredKey> out = new ArrayList<>();
        JsonNode list = root.get("keys");
        for (int i = 0; i < list.size(); i++) {
            String at = "keys[" + i + "]";
            JsonNode n = list.get(i);
            String id = text(n, "id");
            String digest = text(n, "sha256");
            if (id == null || id.isEmpty()) {
                throw invalid(at + ".id", "missing");
            }
            if (digest == null || !HEX64.matcher(digest).matches()) {
                throw invalid(at + ".sha256", "expected 64 lower-case hex digits");
            }
            JsonNode l = n.path("limits");
            Limits limits = l.isObject() ? new Limits(l.path("requests_per_minute").asLong(-1),
                    l.path("tokens_per_minute").asLong(-1), l.path("concurrent").asLong(-1)) : Limits.NONE;
            Budget budget = null;
            JsonNode b = n.path("budget");
            if (b.isObject()) {
                try {
                    budget = new Budget(BudgetPeriod.valueOf(b.path("period").asText("").toUpperCase(Locale.ROOT)),
                            b.path("hard_micros").asLong(-1), b.path("soft_micros").asLong(-1));
                } catch (IllegalArgumentException e) {
                    throw invalid(at + ".budget.period", "expected day, week or month");
                }
            }
            List<String> tags = strings(n.path("require_tags"));
            out.add(new StoredKey(id, digest, text(n, "user"), text(n, "team"), strings(n.path("models")),
                    strings(n.path("endpoints")), n.path("expires_at_ms").asLong(Long.MAX_VALUE),
                    n.path("disabled").asBoolean(false), n.path("revoked").asBoolean(false), text(n, "project"),
                    text(n, "use_case"), tags == null ? List.of() : tags, limits, budget,
                    n.path("created_at_ms").asLong(0)));
        }
        return out;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isTextual() ? v.asText() : null;
    }

    private static List<String> strings(JsonNode n) {
        if (!n.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>(n.size());
        n.forEach(v -> out.add(v.asText()));
        return List.copyOf(out);
    }

    private IllegalStateException invalid(String field, String message) {
        return new IllegalStateException(file + (field.isEmpty() ? "" : ": " + field) + ": " + message);
    }
}
