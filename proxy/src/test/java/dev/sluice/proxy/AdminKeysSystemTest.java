package dev.sluice.proxy;

import static dev.sluice.proxy.AdminFixture.ADMIN_TOKEN;
import static dev.sluice.proxy.AdminFixture.CONF_ALPHA_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;

import dev.sluice.proxy.cli.SluiceCommand;
import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.KeyDigester;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Run-time keys through the admin API and {@code sluice keys}: a created key works at once, a revoked or rotated
 * secret is refused on the very next request, disable/enable and expiry apply with no restart, the store on disk
 * holds hashes only, and the keys survive a restart and a configuration reload.
 */
@Timeout(120)
class AdminKeysSystemTest {
    private AdminFixture fx;
    private Gateway restarted;

    @AfterEach
    void stop() {
        if (restarted != null) {
            restarted.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void shouldAcceptCreatedKeyAtOnceAndKeepOnlyItsHashOnDisk() throws Exception {
        fx = AdminFixture.start();
        JsonNode k = fx.create("{\"id\":\"svc-1\",\"team\":\"alpha\",\"user\":\"carol\",\"models\":[\"m1\"]}");
        String secret = k.path("secret").asText();
        assertThat(secret).startsWith("sk-sluice-").hasSizeGreaterThanOrEqualTo("sk-sluice-".length() + 32);
        assertThat(k.path("id").asText()).isEqualTo("svc-1");
        assertThat(k.path("team").asText()).isEqualTo("alpha");
        assertThat(k.path("state").asText()).isEqualTo("active");
        assertThat(k.path("note").asText()).contains("shown this once");

        assertThat(fx.chat(secret, "m1")).isEqualTo(200);
        assertThat(fx.chat(secret, "m2")).as("outside the key's models").isEqualTo(403);

        Path file = fx.gw.dataDir().resolve("keys.json");
        String stored = Files.readString(file);
        String hash = KeyDigester.sha256Hex(secret);
        assertThat(stored).doesNotContain(secret).doesNotContain(secret.substring("sk-sluice-".length()))
                .contains(hash).doesNotContain(ADMIN_TOKEN);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        HttpResponse<String> list = fx.admin("GET", "/admin/keys", ADMIN_TOKEN, null);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(list.body()).doesNotContain(secret).doesNotContain(hash).doesNotContain("\"secret\"");
        JsonNode svc = key(AdminFixture.json(list.body()), "svc-1");
        assertThat(svc.path("hash_prefix").asText()).isEqualTo(hash.substring(0, 8));
        assertThat(svc.path("models").toString()).isEqualTo("[\"m1\"]");
        assertThat(svc.path("user").asText()).isEqualTo("carol");
        assertThat(svc.path("created").asText()).isNotEmpty();
        assertThat(key(AdminFixture.json(list.body()), "conf-alpha").path("source").asText()).isEqualTo("config");
        assertThat(fx.audit).contains("admin keys.create svc-1 ok");
    }

    @Test
    void shouldRefuseRevokedKeyOnTheVeryNextRequest() throws Exception {
        fx = AdminFixture.start();
        String secret = fx.create("{\"team\":\"alpha\"}").path("secret").asText();
        String id = idOf(secret);
        assertThat(fx.chat(secret, "m1")).isEqualTo(200);
        HttpResponse<String> r = fx.admin("POST", "/admin/keys/" + id + "/revoke", ADMIN_TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(AdminFixture.json(r.body()).path("state").asText()).isEqualTo("revoked");
        assertThat(fx.chat(secret, "m1")).isEqualTo(401);
        // A revoked key stays revoked: it cannot be enabled or rotated back.
        assertThat(fx.admin("POST", "/admin/keys/" + id + "/enable", ADMIN_TOKEN, null).statusCode()).isEqualTo(409);
        assertThat(fx.admin("POST", "/admin/keys/" + id + "/rotate", ADMIN_TOKEN, null).statusCode()).isEqualTo(409);
        assertThat(fx.chat(secret, "m1")).isEqualTo(401);
    }

    @Test
    void shouldRefuseOldSecretAtOnceAfterRotation() throws Exception {
        fx = AdminFixture.start();
        JsonNode k = fx.create("{\"id\":\"rot\",\"team\":\"beta\",\"models\":[\"m3\"]}");
        String old = k.path("secret").asText();
        assertThat(fx.chat(old, "m3")).isEqualTo(200);
        HttpResponse<String> r = fx.admin("POST", "/admin/keys/rot/rotate", ADMIN_TOKEN, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode rotated = AdminFixture.json(r.body());
        String fresh = rotated.path("secret").asText();
        assertThat(rotated.path("id").asText()).isEqualTo("rot");
        assertThat(fresh).startsWith("sk-sluice-").isNotEqualTo(old);
        assertThat(fx.chat(old, "m3")).isEqualTo(401);
        assertThat(fx.chat(fresh, "m3")).isEqualTo(200);
        assertThat(fx.chat(fresh, "m1")).as("models kept through rotation").isEqualTo(403);
    }

    @Test
    void shouldDisableAndEnableWithoutRestart() throws Exception {
        fx = AdminFixture.start();
        String secret = fx.create("{\"id\":\"toggle\",\"team\":\"alpha\"}").path("secret").asText();
        assertThat(fx.chat(secret, "m1")).isEqualTo(200);
        assertThat(fx.admin("POST", "/admin/keys/toggle/disable", ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(running(secret).status(System.currentTimeMillis())).isEqualTo(ApiKey.DISABLED);
        assertThat(fx.chat(secret, "m1")).isEqualTo(403);
        assertThat(state("toggle")).isEqualTo("disabled");
        assertThat(fx.admin("POST", "/admin/keys/toggle/enable", ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(running(secret).status(System.currentTimeMillis())).isEqualTo(ApiKey.ACTIVE);
        assertThat(fx.chat(secret, "m1")).isEqualTo(200);
        assertThat(state("toggle")).isEqualTo("active");
    }

    @Test
    void shouldRefuseKeyOnceItExpires() throws Exception {
        fx = AdminFixture.start();
        // Far enough ahead that the key is still in the future when the admin API gets it on a loaded machine.
        String expires = Instant.now().plusMillis(5000).toString();
        String secret = fx.create("{\"id\":\"short\",\"team\":\"alpha\",\"expires\":\"" + expires + "\"}")
                .path("secret").asText();
        // Active up to its expiry and expired from it on, asked at given instants: whether the first request
        // still comes before the expiry would depend on how busy the machine is.
        long expiresAt = Instant.parse(expires).toEpochMilli();
        assertThat(running(secret).expiresAtMs()).isEqualTo(expiresAt);
        assertThat(running(secret).status(expiresAt - 1)).isEqualTo(ApiKey.ACTIVE);
        assertThat(running(secret).status(expiresAt)).isEqualTo(ApiKey.EXPIRED);
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> fx.chat(secret, "m1") == 401);
        assertThat(state("short")).isEqualTo("expired");
    }

    @Test
    void shouldRevokeConfigurationKeyAndKeepItRevokedAcrossRestartAndReload() throws Exception {
        fx = AdminFixture.start();
        String runtime = fx.create("{\"id\":\"survivor\",\"team\":\"alpha\"}").path("secret").asText();
        assertThat(fx.chat(CONF_ALPHA_SECRET, "m1")).isEqualTo(200);
        assertThat(fx.admin("POST", "/admin/keys/conf-alpha/revoke", ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        assertThat(fx.chat(CONF_ALPHA_SECRET, "m1")).isEqualTo(401);
        assertThat(state("conf-alpha")).isEqualTo("revoked");
        // Configuration keys change in the file only; revoking is the one action the API takes on them.
        assertThat(fx.admin("POST", "/admin/keys/conf-beta/disable", ADMIN_TOKEN, null).statusCode()).isEqualTo(409);

        // A reload installs a new snapshot: the run-time keys and the revocation are applied to it again.
        Path conf = fx.gw.dataDir().getParent().resolve("sluice.yaml");
        try (ConfigReloader reloader = ConfigReloader.start(fx.gw.gateway(), conf, Map.of(), false)) {
            Files.writeString(conf, Files.readString(conf)
                    + "  - {id: conf-extra, hash: \"sha256:" + KeyDigester.sha256Hex("sk-access-good-key-extra")
                    + "\", team: beta}\n");
            HttpResponse<String> r = fx.admin("POST", "/admin/reload", ADMIN_TOKEN, null);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"status\":\"applied\"");
            assertThat(reloader.lastError()).isNull();
        }
        assertThat(fx.chat("sk-access-good-key-extra", "m2")).isEqualTo(200);
        assertThat(fx.chat(runtime, "m1")).isEqualTo(200);
        assertThat(fx.chat(CONF_ALPHA_SECRET, "m1")).isEqualTo(401);

        // A restart on the same data directory reads the store back (the fixture deletes it afterwards).
        Path dataDir = fx.gw.dataDir();
        fx.gw.stop();
        GatewayConfig cfg = ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dataDir);
        restarted = Gateway.start(cfg);
        assertThat(AdminFixture.chat(restarted.port(), runtime, "m1")).isEqualTo(200);
        assertThat(AdminFixture.chat(restarted.port(), CONF_ALPHA_SECRET, "m1")).isEqualTo(401);
        assertThat(AdminFixture.chat(restarted.port(), AdminFixture.CONF_BETA_SECRET, "m2")).isEqualTo(200);
    }

    @Test
    void shouldRefuseInvalidKeysNamingTheField() throws Exception {
        fx = AdminFixture.start();
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":\"alpha\",\"colour\":\"red\"}"),
                400, "colour");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":\"alpha\",\"expires\":\"tomorrow\"}"),
                400, "expires");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN,
                "{\"team\":\"alpha\",\"expires\":\"2001-01-01T00:00:00Z\"}"), 400, "expires");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"user\":\"x\"}"), 400, "team");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":\"alpha\",\"id\":\"a b\"}"), 400, "id");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN,
                "{\"team\":\"alpha\",\"limits\":{\"requests_per_minute\":-3}}"), 400, "limits.requests_per_minute");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN,
                "{\"team\":\"alpha\",\"budget\":{\"period\":\"year\",\"hard\":10}}"), 400, "budget.period");
        assertField(fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":\"alpha\",\"require_tags\":[\"colour\"]}"),
                400, "require_tags");
        HttpResponse<String> json = fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":");
        assertThat(json.statusCode()).isEqualTo(400);
        assertThat(json.body()).contains("invalid_json");
        HttpResponse<String> team = fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"team\":\"gamma\"}");
        assertThat(team.statusCode()).as(team.body()).isEqualTo(400);
        assertThat(team.body()).contains("gamma");
        HttpResponse<String> model = fx.admin("POST", "/admin/keys", ADMIN_TOKEN,
                "{\"team\":\"alpha\",\"models\":[\"no-such-model\"]}");
        assertThat(model.statusCode()).as(model.body()).isEqualTo(400);
        assertThat(model.body()).contains("no-such-model");
        HttpResponse<String> dup = fx.admin("POST", "/admin/keys", ADMIN_TOKEN, "{\"id\":\"conf-beta\",\"team\":\"beta\"}");
        assertThat(dup.statusCode()).isEqualTo(409);
        // A full, valid body is accepted, limits and budget included.
        JsonNode full = fx.create("{\"id\":\"full\",\"team\":\"beta\",\"user\":\"dan\",\"models\":[\"m2\"],"
                + "\"endpoints\":[\"chat_completions\"],\"expires\":\"2099-01-01T00:00:00Z\",\"project\":\"apollo\","
                + "\"use_case\":\"chat\",\"require_tags\":[\"project\"],\"limits\":{\"requests_per_minute\":100},"
                + "\"budget\":{\"period\":\"month\",\"hard\":12.5,\"soft\":10}}");
        assertThat(full.path("expires").asText()).isEqualTo("2099-01-01T00:00:00Z");
        assertThat(fx.chat(full.path("secret").asText(), "m2")).isEqualTo(200);
        assertThat(fx.audit).anyMatch(a -> a.startsWith("admin keys.create null invalid"));
    }

    @Test
    void shouldAnswerNotConfiguredWhenNoAdminTokenIsSet() throws Exception {
        try (AdminFixture open = AdminFixture.of(TestGateway.startWith(AdminFixture.config(false)))) {
            HttpResponse<String> keys = open.admin("GET", "/admin/keys", null, null);
            assertThat(keys.statusCode()).isEqualTo(403);
            assertThat(keys.body()).contains("admin_token_not_configured").contains("admin.token");
            assertThat(open.admin("POST", "/admin/keys", null, "{\"team\":\"alpha\"}").statusCode()).isEqualTo(403);
            assertThat(open.admin("GET", "/admin/config", null, null).statusCode()).isEqualTo(200);
            assertThat(open.admin("GET", "/admin/routes", null, null).statusCode()).isEqualTo(200);
            // A team admin token still manages its own team's keys.
            HttpResponse<String> own = open.admin("POST", "/admin/keys", AdminFixture.ALPHA_TOKEN, "{}");
            assertThat(own.statusCode()).as(own.body()).isEqualTo(201);
            assertThat(AdminFixture.json(own.body()).path("team").asText()).isEqualTo("alpha");
        }
    }

    @Test
    void shouldManageKeysFromTheCommandLine() throws Exception {
        fx = AdminFixture.start();
        String url = "http://127.0.0.1:" + fx.gw.gateway().adminPort();
        Cli create = cli("keys", "create", "--admin-url", url, "--admin-token", ADMIN_TOKEN, "--id", "cli-1",
                "--team", "alpha", "--models", "m1,m2", "--rpm", "50");
        assertThat(create.code).as(create.err).isZero();
        assertThat(create.out).contains("created key cli-1").contains("Shown this once");
        String secret = secretIn(create.out);
        assertThat(fx.chat(secret, "m2")).isEqualTo(200);

        Cli list = cli("keys", "list", "--admin-url", url, "--admin-token", ADMIN_TOKEN);
        assertThat(list.code).isZero();
        assertThat(list.out).contains("cli-1").contains("conf-alpha").contains(KeyDigester.sha256Hex(secret)
                .substring(0, 8)).doesNotContain(secret).doesNotContain(KeyDigester.sha256Hex(secret));
        Cli json = cli("keys", "list", "--json", "--admin-url", url, "--admin-token", AdminFixture.BETA_TOKEN);
        assertThat(json.code).isZero();
        assertThat(AdminFixture.json(json.out.trim()).path("keys").toString()).contains("conf-beta")
                .doesNotContain("cli-1").doesNotContain("conf-alpha");

        Cli rotate = cli("keys", "rotate", "cli-1", "--admin-url", url, "--admin-token", ADMIN_TOKEN);
        assertThat(rotate.code).isZero();
        String fresh = secretIn(rotate.out);
        assertThat(fx.chat(secret, "m1")).isEqualTo(401);
        assertThat(fx.chat(fresh, "m1")).isEqualTo(200);

        assertThat(cli("keys", "disable", "cli-1", "--admin-url", url, "--admin-token", ADMIN_TOKEN).code).isZero();
        assertThat(fx.chat(fresh, "m1")).isEqualTo(403);
        assertThat(cli("keys", "enable", "cli-1", "--admin-url", url, "--admin-token", ADMIN_TOKEN).code).isZero();
        assertThat(fx.chat(fresh, "m1")).isEqualTo(200);

        Cli foreign = cli("keys", "revoke", "cli-1", "--admin-url", url, "--admin-token", AdminFixture.BETA_TOKEN);
        assertThat(foreign.code).isEqualTo(1);
        assertThat(foreign.err).contains("HTTP 404").contains("key_not_found");
        assertThat(fx.chat(fresh, "m1")).isEqualTo(200);
        Cli revoke = cli("keys", "revoke", "cli-1", "--admin-url", url, "--admin-token", ADMIN_TOKEN);
        assertThat(revoke.code).isZero();
        assertThat(revoke.out).contains("revoked key cli-1");
        assertThat(fx.chat(fresh, "m1")).isEqualTo(401);

        Cli wrong = cli("keys", "list", "--admin-url", url, "--admin-token", "not-the-token");
        assertThat(wrong.code).isEqualTo(1);
        assertThat(wrong.err).contains("HTTP 401");
    }

    private record Cli(int code, String out, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine c = new CommandLine(new SluiceCommand());
        c.setOut(new PrintWriter(out, true));
        c.setErr(new PrintWriter(err, true));
        int code = c.execute(args);
        return new Cli(code, out.toString(), err.toString());
    }

    private static String secretIn(String out) {
        Matcher m = Pattern.compile("secret: (sk-sluice-[0-9a-f]+)").matcher(out);
        assertThat(m.find()).as(out).isTrue();
        return m.group(1);
    }

    /** Returns the key the running snapshot holds for {@code secret}. */
    private ApiKey running(String secret) {
        ApiKey k = fx.gw.gateway().config().keys().lookup(new KeyDigester().digest(secret, 0, secret.length()));
        assertThat(k).as("no key in the running snapshot").isNotNull();
        return k;
    }

    private String idOf(String secret) {
        String hash = KeyDigester.sha256Hex(secret).substring(0, 8);
        for (JsonNode k : AdminFixture.json(fx.admin("GET", "/admin/keys", ADMIN_TOKEN, null).body()).path("keys")) {
            if (hash.equals(k.path("hash_prefix").asText())) {
                return k.path("id").asText();
            }
        }
        throw new AssertionError("no key with hash prefix " + hash);
    }

    private String state(String id) {
        return key(AdminFixture.json(fx.admin("GET", "/admin/keys", ADMIN_TOKEN, null).body()), id)
                .path("state").asText();
    }

    private static JsonNode key(JsonNode list, String id) {
        for (JsonNode k : list.path("keys")) {
            if (id.equals(k.path("id").asText())) {
                return k;
            }
        }
        throw new AssertionError("no key " + id + " in " + list);
    }

    private static void assertField(HttpResponse<String> r, int status, String field) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = AdminFixture.json(r.body()).path("error");
        assertThat(e.path("field").asText()).as(r.body()).isEqualTo(field);
        assertThat(e.path("message").asText()).startsWith(field);
    }
}
