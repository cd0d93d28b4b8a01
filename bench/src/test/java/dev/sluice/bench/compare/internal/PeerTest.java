package dev.sluice.bench.compare.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

class PeerTest {
    @Test
    void shouldKnowPortkeyByItsCommandLineName() {
        assertThat(Peer.byId("portkey")).isSameAs(Peer.PORTKEY);
        assertThat(Peer.ids()).endsWith(", caddy, portkey").startsWith("direct, sluice, ");
        assertThat(Peer.PORTKEY.port(500)).isEqualTo(9604);
        assertThat(Peer.PORTKEY.isSluice()).isFalse();
        // V8 compiles hot code as the JVM does: Portkey gets Sluice's long prewarm, the native proxies do not.
        assertThat(Peer.PORTKEY.jitRuntime()).isTrue();
        assertThat(Peer.SLUICE_REDIS.jitRuntime()).isTrue();
        assertThat(Peer.NGINX.jitRuntime()).isFalse();
    }

    @Test
    void shouldSendTheShippedPortkeyConfigurationToTheUpstreamOnOneHeaderLine() {
        // The tests run in the bench module: bench/conf is ./conf.
        List<String> headers = Peer.PORTKEY.headers(Path.of("conf"));
        assertThat(headers).containsExactly("x-portkey-config: {\"provider\":\"openai\",\"api_key\":"
                + "\"sk-bench-upstream\",\"custom_host\":\"http://127.0.0.1:9001/v1\"}");
    }

    @Test
    void shouldReadAMovedPortkeyConfiguration(@TempDir Path conf) throws Exception {
        Files.writeString(conf.resolve("portkey.json"), "{\n  \"provider\": \"openai\",\n  \"api_key\": \"k\",\n"
                + "  \"custom_host\": \"http://127.0.0.1:9501/v1\"\n}\n");
        assertThat(Peer.PORTKEY.headers(conf)).containsExactly(
                "x-portkey-config: {\"provider\":\"openai\",\"api_key\":\"k\",\"custom_host\":\"http://127.0.0.1:9501/v1\"}");
        assertThat(Peer.NGINX.headers(conf)).isEmpty();
        assertThat(Peer.SLUICE.headers(conf)).containsExactly("Authorization: Bearer " + Peer.SLUICE_KEY);
    }

    @Test
    void shouldStartPortkeyHeadlessOnItsMovedPortFromTheCheckout(@TempDir Path root) {
        if (Peer.PORTKEY.binaryPath() == null) {
            assertThat(Peer.PORTKEY.missing(root)).startsWith("node is not installed").contains("bench/install-peers");
            return;
        }
        List<String> cmd = Peer.PORTKEY.command(root, root.resolve("conf"), root.resolve("run"), 500);
        assertThat(cmd).containsExactly(Peer.PORTKEY.binaryPath().toString(),
                root.resolve("bench/peers/node_modules/@portkey-ai/gateway/build/start-server.js").toString(),
                "--port=9604", "--headless");
    }

    @Test
    void shouldSayHowToInstallPortkeyWhenItIsMissing(@TempDir Path root) throws Exception {
        assertThat(Peer.PORTKEY.missing(root)).contains("bench/install-peers");
        assertThat(Peer.portkeyVersion(root)).isNull();

        Path modules = root.resolve("bench/peers/node_modules");
        Path server = Files.createDirectories(modules.resolve("@portkey-ai/gateway/build")).resolve("start-server.js");
        Files.writeString(server, "");
        Files.writeString(modules.resolve("@portkey-ai/gateway/package.json"), "{\"version\": \"1.15.2\"}");
        Files.createDirectories(modules.resolve("@hono/node-server"));
        Files.writeString(modules.resolve("@hono/node-server/package.json"), "{\"version\": \"1.13.8\"}");
        if (Peer.PORTKEY.binaryPath() != null) {
            assertThat(Peer.PORTKEY.missing(root)).isNull();
        }
        assertThat(Peer.portkeyVersion(root)).isEqualTo("@portkey-ai/gateway 1.15.2, @hono/node-server 1.13.8");
    }
}
