package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.routing.admission.Budget;
import dev.sluice.routing.admission.KeyStore;
import dev.sluice.routing.admission.Limits;
import dev.sluice.routing.admission.StoredKey;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.Endpoints;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.KeyDigester;
import dev.sluice.routing.config.Route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The key operations of the admin API: create, list, revoke, rotate, disable, enable. Each runs on one admin
 * thread (store writes are I/O and never happen on an event loop), writes the {@link KeyStore}, then installs a
 * snapshot with the store's keys ({@link GatewayConfig#withRuntimeKeys}) before its reply completes, so the very
 * next client request sees the change. Every action and every refusal goes to the {@link AdminAudit}.
 * Thread-safe.
 */
public final class AdminKeys implements AutoCloseable {
    /** What every generated secret starts with. */
    public static final String SECRET_PREFIX = "sk-sluice-";
    /** Random bytes in a generated secret (hex-encoded: 48 characters after the prefix). */
    public static final int SECRET_RANDOM_BYTES = 24;
    /** Hex digits of a key's hash shown in listings: enough to tell keys apart, never the whole hash. */
    public static final int HASH_PREFIX_CHARS = 8;

    /** Admin operations and audit records waiting for the admin thread before new ones are refused. */
    public static final int MAX_QUEUED = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(AdminKeys.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Set<String> CREATE_FIELDS = Set.of("id", "team", "user", "models", "endpoints", "expires",
            "project", "use_case", "require_tags", "limits", "budget");
    private static final Set<String> TAGS = Set.of("project", "use_case");

    private final KeyStore store;
    private final GatewayContext context;
    private final LongSupplier clockMs;
    private final OffLoopExecutor executor;
    private final SecureRandom random = new SecureRandom();
    private final ObjectMapper json = new ObjectMapper();
    private volatile AdminAudit audit;

    /**
     * @param clockMs epoch milliseconds, for creation times and the expired state
     */
    public AdminKeys(KeyStore store, GatewayContext context, AdminAudit audit, LongSupplier clockMs) {
        this.store = requireNonNull(store, "store");
        this.context = requireNonNull(context, "context");
        this.audit = requireNonNull(audit, "audit");
        this.clockMs = requireNonNull(clockMs, "clockMs");
        // Bounded: a flood of admin requests is refused (503), never queued without limit.
        this.executor = new OffLoopExecutor("sluice-admin", MAX_QUEUED);
    }

    /** Replaces where admin actions are recorded (the journal's ADMIN records, once wired). */
    public void audit(AdminAudit next) {
        this.audit = requireNonNull(next, "next");
    }

    /** An audit that records, on the caller's thread, to whichever audit this object has at that moment. */
    public AdminAudit liveAudit() {
        return (actor, action, target, outcome, detail) -> audit.record(actor, action, target, outcome, detail);
    }

    /** A reply of the admin API: an HTTP status and a JSON body (which never holds a hash or a stored secret). */
    public record Reply(int status, String body) {
    }

    /**
     * Puts {@code next} (its provider addresses resolved) in use with the store's keys merged in, on the
     * configuration agent's thread, after the changes queued before it: a reload and a key change never undo each
     * other. Call it off the event loops; it waits for the agent.
     */
    public void install(GatewayConfig next) {
        onAgent(() -> {
            GatewayConfig withKeys;
            try {
                withKeys = next.withRuntimeKeys(store.load());
            } catch (RuntimeException e) {
                // The store is unreachable (Redis down): keep the keys the running snapshot had, carried in next.
                LOG.warn("key store not read, the run-time keys in use stay: {}", e.getMessage());
                withKeys = next;
            }
            context.config(withKeys);
        });
    }

    /** Re-reads the store and installs its keys, off the caller's thread: for {@link KeyStore#watch}. */
    public void refresh() {
        submit(() -> {
            reinstall();
            return null;
        });
    }

    /** Records a refusal decided before a key operation ran (a missing or wrong token), off the caller's thread. */
    public void denied(String actor, String action, String target, String detail) {
        submit(() -> {
            audit.record(actor, action, target, "denied", detail);
            return null;
        });
    }

    /** Runs {@code task} on the admin thread, after the operations queued before it (the console's sign-in). */
    <T> CompletableFuture<T> onAdminThread(Callable<T> task) {
        return submit(task::call);
    }

    /** Records an admin action that is not a key operation (a reload), off the caller's thread. */
    public void recorded(String actor, String action, String outcome, String detail) {
        submit(() -> {
            audit.record(actor, action, null, outcome, detail);
            return null;
        });
    }

    /** {@code GET /admin/keys}: the keys {@code who} may see, stored and configured, without secrets or hashes. */
    public CompletableFuture<Reply> list(AdminPrincipal who) {
        requireNonNull(who, "who");
        return submit(() -> {
            long now = clockMs.getAsLong();
            ArrayNode out = json.createArrayNode();
            Map<String, StoredKey> stored = storedById();
            for (StoredKey k : stored.values()) {
                if (who.owns(k.team())) {
                    out.add(view(k, now));
                }
            }
            for (ApiKey k : context.config().keys().keys()) {
                if (!stored.containsKey(k.id()) && who.owns(k.team())) {
                    out.add(view(k, now));
                }
            }
            ObjectNode body = json.createObjectNode();
            body.set("keys", out);
            audit.record(who.actor(), "keys.list", null, "ok", out.size() + " keys");
            return new Reply(200, json.writeValueAsString(body));
        });
    }

    /** {@code POST /admin/keys}: creates a key from the JSON {@code body}; the reply holds its secret, once. */
    public CompletableFuture<Reply> create(AdminPrincipal who, byte[] body) {
        requireNonNull(who, "who");
        byte[] copy = requireNonNull(body, "body").clone();
        return submit(() -> createNow(who, copy));
    }

    /**
     * {@code POST /admin/keys/{id}/{verb}} with verb {@code revoke}, {@code rotate}, {@code disable} or
     * {@code enable}. A key of another team answers 404, as if it did not exist.
     */
    public CompletableFuture<Reply> change(AdminPrincipal who, String id, String verb) {
        requireNonNull(who, "who");
        requireNonNull(id, "id");
        requireNonNull(verb, "verb");
        return submit(() -> changeNow(who, id, verb));
    }

    private Reply createNow(AdminPrincipal who, byte[] body) throws IOException {
        String action = "keys.create";
        JsonNode n;
        try {
            n = json.readTree(body);
        } catch (JsonProcessingException e) {
            return refuse(who, action, null, 400, "invalid", "invalid_json", null, "the body is not valid JSON");
        }
        if (n == null || !n.isObject()) {
            return refuse(who, action, null, 400, "invalid", "invalid_json", null, "expected a JSON object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!CREATE_FIELDS.contains(f)) {
                return refuse(who, action, null, 400, "invalid", "unknown_field", f,
                        f + ": unknown field (expected: one of " + new TreeSet<>(CREATE_FIELDS) + ")");
            }
        }
        KeyRequestFields f = new KeyRequestFields(n);
        String id = f.text("id");
        String team = f.text("team");
        if (team == null && !who.isAdmin()) {
            team = who.team();
        }
        if (f.error == null && team == null) {
            f.fail("team", "missing (expected: the team the key is charged to)");
        }
        if (f.error == null && id != null && !ID.matcher(id).matches()) {
            f.fail("id", "expected 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        String user = f.text("user");
        List<String> models = f.names("models");
        List<String> endpoints = f.names("endpoints");
        long expires = f.instant("expires");
        String project = f.text("project");
        String useCase = f.text("use_case");
        List<String> tags = f.names("require_tags");
        Limits limits = f.limits("limits");
        Budget budget = f.budget("budget");
        long now = clockMs.getAsLong();
        if (f.error == null && expires != Long.MAX_VALUE && expires - now <= 0) {
            f.fail("expires", "in the past (expected: a future ISO-8601 instant, e.g. 2027-01-01T00:00:00Z)");
        }
        if (f.error == null && tags != null) {
            for (String t : tags) {
                if (!TAGS.contains(t)) {
                    f.fail("require_tags", "'" + t + "' (expected: project, use_case)");
                    break;
                }
            }
        }
        if (f.error != null) {
            return refuse(who, action, id, 400, "invalid", "invalid_field", f.errorField, f.error);
        }
        if (!who.owns(team)) {
            return refuse(who, action, id, 403, "denied", "forbidden", "team",
                    "a team admin token creates keys for its own team only");
        }
        Map<String, StoredKey> stored = storedById();
        if (id == null) {
            do {
                id = "key-" + hex(6);
            } while (stored.containsKey(id) || configured(id) != null);
        } else if (stored.containsKey(id) || configured(id) != null) {
            return refuse(who, action, id, 409, "invalid", "key_exists", "id", "a key with this id exists");
        }
        String secret = SECRET_PREFIX + hex(SECRET_RANDOM_BYTES);
        StoredKey key = new StoredKey(id, KeyDigester.sha256Hex(secret), user, team, models, endpoints, expires,
                false, false, project, useCase, tags == null ? List.of() : tags, limits, budget, now);
        GatewayConfig running = context.config();
        String problem = running.checkStoredKey(key);
        if (problem != null) {
            int colon = problem.indexOf(':');
            String field = colon > 0 && problem.indexOf(' ') > colon ? problem.substring(0, colon) : null;
            return refuse(who, action, id, 400, "invalid", "invalid_field", field, problem);
        }
        String lacking = lacking(running, key);
        if (lacking != null) {
            return refuse(who, action, id, 403, "denied", "not_allowed_for_team", lacking.substring(0,
                    lacking.indexOf(':')), lacking);
        }
        Reply failed = persist(who, action, key);
        if (failed != null) {
            return failed;
        }
        audit.record(who.actor(), action, id, "ok", "team=" + team);
        ObjectNode out = view(key, now);
        out.put("secret", secret);
        out.put("note", "the secret is shown this once; the gateway keeps only its SHA-256 hash");
        return new Reply(201, json.writeValueAsString(out));
    }

    private Reply changeNow(AdminPrincipal who, String id, String verb) throws IOException {
        String action = "keys." + verb;
        if (!Set.of("revoke", "rotate", "disable", "enable").contains(verb)) {
            return refuse(who, action, id, 404, "not_found", "not_found", null, "no such admin endpoint");
        }
        StoredKey k = storedById().get(id);
        ApiKey conf = k == null ? configured(id) : null;
        String team = k != null ? k.team() : conf != null ? conf.team() : null;
        if ((k == null && conf == null) || !who.owns(team)) {
            // Another team's key answers exactly like a missing one (RELIABILITY.md E4).
            return refuse(who, action, id, 404, k == null && conf == null ? "not_found" : "denied", "key_not_found",
                    null, "no key with this id");
        }
        long now = clockMs.getAsLong();
        if (conf != null) {
            if (!verb.equals("revoke")) {
                return refuse(who, action, id, 409, "invalid", "configuration_key", null,
                        "this key is declared in the configuration file: edit it there, or revoke it here");
            }
            // A revoked stored entry with the same id revokes the configuration key (GatewayConfig.withRuntimeKeys).
            k = new StoredKey(id, hex(KeyDigester.DIGEST_BYTES), conf.user(), conf.team(), null, null,
                    Long.MAX_VALUE, false, true, null, null, List.of(), Limits.NONE, null, now);
            Reply failed = persist(who, action, k);
            if (failed != null) {
                return failed;
            }
            audit.record(who.actor(), action, id, "ok", "configuration key");
            return new Reply(200, json.writeValueAsString(view(k, now)));
        }
        if (k.revoked()) {
            if (verb.equals("revoke")) {
                audit.record(who.actor(), action, id, "ok", "already revoked");
                return new Reply(200, json.writeValueAsString(view(k, now)));
            }
            return refuse(who, action, id, 409, "invalid", "key_revoked", null, "the key is revoked");
        }
        String secret = null;
        StoredKey next = switch (verb) {
            case "revoke" -> with(k, k.digestHex(), k.disabled(), true);
            case "disable" -> with(k, k.digestHex(), true, false);
            case "enable" -> with(k, k.digestHex(), false, false);
            default -> {
                secret = SECRET_PREFIX + hex(SECRET_RANDOM_BYTES);
                yield with(k, KeyDigester.sha256Hex(secret), k.disabled(), false);
            }
        };
        Reply failed = persist(who, action, next);
        if (failed != null) {
            return failed;
        }
        audit.record(who.actor(), action, id, "ok", null);
        ObjectNode out = view(next, now);
        if (secret != null) {
            out.put("secret", secret);
            out.put("note", "the new secret is shown this once; the old one is refused from now on");
        }
        return new Reply(200, json.writeValueAsString(out));
    }

    private static StoredKey with(StoredKey k, String digestHex, boolean disabled, boolean revoked) {
        return new StoredKey(k.id(), digestHex, k.user(), k.team(), k.models(), k.endpoints(), k.expiresAtMs(),
                disabled, revoked, k.project(), k.useCase(), k.requireTags(), k.limits(), k.budget(),
                k.createdAtMs());
    }

    /**
     * Returns {@code "models: ..."} or {@code "endpoints: ..."} naming the first model or endpoint of {@code key}
     * its team does not allow, or {@code null} when the team allows all of them.
     */
    private static String lacking(GatewayConfig running, StoredKey key) {
        if (key.models() == null && key.endpoints() == null) {
            return null;
        }
        GatewayConfig trial = running.withRuntimeKeys(List.of(key));
        ApiKey resolved = trial.keys().lookup(unhex(key.digestHex()));
        if (resolved == null) {
            return "models: the key cannot be resolved against team '" + key.team() + "'";
        }
        if (key.models() != null) {
            for (String m : key.models()) {
                Route r = trial.routes().lookup(m);
                if (r == null || !resolved.allows(r)) {
                    return "models: team '" + key.team() + "' may not use '" + m + "'";
                }
            }
        }
        if (key.endpoints() != null) {
            for (String e : key.endpoints()) {
                Endpoint endpoint = Endpoints.parse(e);
                if (endpoint == null || !resolved.allowsEndpoint(endpoint)) {
                    return "endpoints: team '" + key.team() + "' may not use '" + e + "'";
                }
            }
        }
        return null;
    }

    /** Writes {@code key} and installs the store's keys; returns a 500 reply when the store cannot be written. */
    private Reply persist(AdminPrincipal who, String action, StoredKey key) throws JsonProcessingException {
        try {
            store.put(key);
        } catch (RuntimeException e) {
            // UncheckedIOException from the file, IllegalStateException when Redis cannot be reached.
            LOG.warn("key store not changed ({} {}): {}", action, key.id(), e.getMessage());
            return refuse(who, action, key.id(), 500, "error", "store_failed", null,
                    "the key store could not be written; nothing changed (see the gateway log)");
        }
        try {
            reinstall();
        } catch (RuntimeException e) {
            LOG.warn("key store changed ({} {}) but not read back: {}", action, key.id(), e.getMessage());
            return refuse(who, action, key.id(), 500, "error", "store_failed", null,
                    "the change is stored but not yet in use: the key store could not be read (see the gateway log)");
        }
        return null;
    }

    private void reinstall() {
        // The running snapshot's addresses stay: only the keys change.
        onAgent(() -> context.config(context.config().withRuntimeKeys(store.load())));
    }

    /** Runs {@code change} on the configuration agent and waits for it; its exception is rethrown. */
    private void onAgent(Runnable change) {
        try {
            context.agent().submit(() -> {
                change.run();
                return null;
            }).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
        }
    }

    private Reply refuse(AdminPrincipal who, String action, String target, int status, String outcome, String code,
                         String field, String message) throws JsonProcessingException {
        audit.record(who.actor(), action, target, outcome, code + (field == null ? "" : " field=" + field));
        ObjectNode err = json.createObjectNode();
        ObjectNode e = err.putObject("error");
        e.put("code", code).put("message", message);
        if (field != null) {
            e.put("field", field);
        }
        return new Reply(status, json.writeValueAsString(err));
    }

    private Map<String, StoredKey> storedById() {
        Map<String, StoredKey> out = new LinkedHashMap<>();
        for (StoredKey k : store.load()) {
            out.put(k.id(), k);
        }
        return out;
    }

    private ApiKey configured(String id) {
        for (ApiKey k : context.config().keys().keys()) {
            if (k.id().equals(id)) {
                return k;
            }
        }
        return null;
    }

    private ObjectNode view(StoredKey k, long now) {
        ObjectNode n = json.createObjectNode();
        n.put("id", k.id()).put("team", k.team()).put("user", k.user());
        names(n, "models", k.models());
        names(n, "endpoints", k.endpoints());
        n.put("state", k.revoked() ? "revoked" : k.disabled() ? "disabled"
                : k.expiresAtMs() - now <= 0 ? "expired" : "active");
        n.put("created", k.createdAtMs() > 0 ? Instant.ofEpochMilli(k.createdAtMs()).toString() : null);
        n.put("expires", k.expiresAtMs() == Long.MAX_VALUE ? null
                : Instant.ofEpochMilli(k.expiresAtMs()).toString());
        n.put("hash_prefix", k.digestHex().substring(0, HASH_PREFIX_CHARS));
        n.put("source", "runtime");
        return n;
    }

    /** A configuration key: its models and endpoints as in effect (its own sets intersected with its team's). */
    private ObjectNode view(ApiKey k, long now) {
        ObjectNode n = json.createObjectNode();
        n.put("id", k.id()).put("team", k.team()).put("user", k.user());
        List<String> models = new ArrayList<>();
        for (Route r : context.config().routes().routes()) {
            if (k.allows(r)) {
                models.add(r.name());
            }
        }
        names(n, "models", models);
        List<String> endpoints = new ArrayList<>();
        boolean all = true;
        for (Endpoint e : Endpoint.values()) {
            if (k.allowsEndpoint(e)) {
                endpoints.add(e.wireName().replace('.', '_'));
            } else {
                all = false;
            }
        }
        names(n, "endpoints", all ? null : endpoints);
        n.put("state", switch (k.status(now)) {
            case ApiKey.EXPIRED -> "expired";
            case ApiKey.DISABLED -> "disabled";
            case ApiKey.TEAM_DISABLED -> "team_disabled";
            default -> "active";
        });
        n.putNull("created");
        n.put("expires", k.expiresAtMs() == Long.MAX_VALUE ? null
                : Instant.ofEpochMilli(k.expiresAtMs()).toString());
        // The configuration file holds the hash; the snapshot does not expose it.
        n.putNull("hash_prefix");
        n.put("source", "config");
        return n;
    }

    private static void names(ObjectNode n, String field, List<String> values) {
        if (values == null) {
            n.put(field, "*");
        } else {
            ArrayNode a = n.putArray(field);
            values.forEach(a::add);
        }
    }

    private String hex(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        StringBuilder s = new StringBuilder(bytes * 2);
        for (byte x : b) {
            s.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
        }
        return s.toString();
    }

    private static byte[] unhex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hex, i * 2, i * 2 + 2, 16);
        }
        return out;
    }

    private interface Task<T> {
        T run() throws Exception;
    }

    private <T> CompletableFuture<T> submit(Task<T> task) {
        CompletableFuture<T> f = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    f.complete(task.run());
                } catch (Throwable e) {
                    LOG.warn("admin operation failed", e);
                    f.completeExceptionally(e);
                }
            });
        } catch (RejectedExecutionException e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Stops the admin thread after the operations already queued. */
    @Override
    public void close() {
        executor.close();
        store.close();
    }
}
