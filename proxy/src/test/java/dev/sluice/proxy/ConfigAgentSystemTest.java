package dev.sluice.proxy;

import static dev.sluice.proxy.AdminFixture.ADMIN_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sluice.routing.config.ApiKey;
import dev.sluice.routing.config.GatewayConfig;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The configuration has one owner: reloads (file edits seen by the watch, {@code POST /admin/reload}) and key
 * changes through the admin API, all at once, are applied one after the other by the configuration agent, and
 * none undoes another: the running snapshot ends with the last file's routes and every key change.
 */
@Timeout(180)
class ConfigAgentSystemTest {
    private static final int ROUNDS = 15;

    private final ExecutorService threads = Executors.newFixedThreadPool(2);
    private AdminFixture fx;
    private ConfigReloader reloader;

    @AfterEach
    void stop() throws Exception {
        threads.shutdownNow();
        threads.awaitTermination(30, TimeUnit.SECONDS);
        if (reloader != null) {
            reloader.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    private static String config(int round) {
        return AdminFixture.config(true).replace("models:\n", "models:\n  extra-" + round
                + ": {provider: mock, model: gpt-extra, price: {input: 1, output: 2}}\n");
    }

    @Test
    void shouldApplyReloadsAndKeyChangesInOneOrderWithoutUndoingEither() throws Exception {
        fx = AdminFixture.start();
        Path conf = fx.gw.dataDir().getParent().resolve("sluice.yaml");
        reloader = ConfigReloader.start(fx.gw.gateway(), conf, Map.of(), true);

        Future<?> edits = threads.submit(() -> {
            for (int i = 0; i < ROUNDS; i++) {
                Files.writeString(conf, config(i));
                if (i % 2 == 0) {
                    HttpResponse<String> r = fx.admin("POST", "/admin/reload", ADMIN_TOKEN, null);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
            }
            return null;
        });
        Future<List<String>> keys = threads.submit(() -> {
            List<String> secrets = new ArrayList<>();
            for (int i = 0; i < ROUNDS; i++) {
                secrets.add(fx.create("{\"id\":\"agent-" + i + "\",\"team\":\"alpha\",\"models\":[\"m1\"]}")
                        .path("secret").asText());
                if (i % 3 == 0) {
                    HttpResponse<String> r = fx.admin("POST", "/admin/keys/agent-" + i + "/revoke", ADMIN_TOKEN, null);
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
            }
            return secrets;
        });
        edits.get(120, TimeUnit.SECONDS);
        List<String> secrets = keys.get(120, TimeUnit.SECONDS);

        // The last edit may still be in its quiet time: a reload through the admin API settles it.
        assertThat(fx.admin("POST", "/admin/reload", ADMIN_TOKEN, null).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                fx.gw.gateway().config().routes().lookup("extra-" + (ROUNDS - 1)) != null);
        GatewayConfig running = fx.gw.gateway().config();
        assertThat(running.routes().lookup("extra-0")).as("earlier edits are replaced, not merged").isNull();
        for (int i = 0; i < ROUNDS; i++) {
            boolean revoked = i % 3 == 0;
            ApiKey k = null;
            for (ApiKey a : running.keys().keys()) {
                if (a.id().equals("agent-" + i)) {
                    k = a;
                }
            }
            if (!revoked) {
                assertThat(k).as("agent-" + i + " survived every reload").isNotNull();
            }
            assertThat(fx.chat(secrets.get(i), "m1")).as("agent-" + i + (revoked ? " stays revoked" : ""))
                    .isEqualTo(revoked ? 401 : 200);
        }
    }
}
