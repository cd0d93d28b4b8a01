package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;

/** A port already taken: the gateway does not start, and says which address and which listener. */
@Timeout(60)
class ListenerBindSystemTest {
    @TempDir
    Path tmp;

    @Test
    void shouldNameTheAddressAndTheListenerWhenAPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = taken.getLocalPort();
            GatewayConfig clientTaken = ConfigLoader.load(TestGateway.defaultConfig(), Map.of()).bind(0, port, 0)
                    .withDataDir(tmp.resolve("a"));
            assertThatThrownBy(() -> Gateway.start(clientTaken)).isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port + " for the client listener");
            GatewayConfig adminTaken = ConfigLoader.load(TestGateway.defaultConfig(), Map.of()).bind(0, 0, port)
                    .withDataDir(tmp.resolve("b"));
            assertThatThrownBy(() -> Gateway.start(adminTaken)).isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot listen on 127.0.0.1:" + port + " for the admin listener");
        }
        // Nothing was left holding the data directories: a gateway starts on one of them.
        GatewayConfig free = ConfigLoader.load(TestGateway.defaultConfig(), Map.of()).bind(0, 0, 0)
                .withDataDir(tmp.resolve("a"));
        try (Gateway gateway = Gateway.start(free)) {
            assertThat(gateway.port()).isPositive();
        }
    }
}
