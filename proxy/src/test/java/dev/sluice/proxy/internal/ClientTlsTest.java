package dev.sluice.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.proxy.TestCertificate;
import dev.sluice.routing.config.TlsSettings;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * The client listener's TLS context: TLS 1.3 and 1.2 only, AEAD suites with forward secrecy only, no ALPN, the
 * handler first in a new connection's pipeline, and a clear error for files that make no server context.
 */
class ClientTlsTest {
    @TempDir
    Path dir;

    @Test
    void shouldOfferOnlyTls12And13WithAeadSuitesAndNoAlpn() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TestCertificate.create(dir, "unit").writeTo(cert, key);
        SslContext context = ClientTls.newServerContext(new TlsSettings(cert, key));
        assertThat(context.isServer()).isTrue();
        SSLEngine engine = context.newEngine(ByteBufAllocator.DEFAULT);
        assertThat(engine.getSSLParameters().getApplicationProtocols()).as("ALPN (HTTP/2 stays off)").isEmpty();
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(engine.getEnabledCipherSuites()).isNotEmpty().allSatisfy(suite -> {
            assertThat(ClientTls.CIPHERS).contains(suite);
            assertThat(suite).containsAnyOf("_GCM_", "_CHACHA20_POLY1305_");
            assertThat(suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")
                    || suite.startsWith("TLS_ECDHE_")).as("forward secrecy: %s", suite).isTrue();
        });

        ClientTls tls = new ClientTls();
        EmbeddedChannel plain = new EmbeddedChannel();
        tls.addTo(plain);
        assertThat(plain.pipeline().get(SslHandler.class)).as("TLS off").isNull();
        tls.install(context);
        EmbeddedChannel secured = new EmbeddedChannel();
        secured.pipeline().addLast("decoder", new ChannelInboundHandlerAdapter());
        tls.addTo(secured);
        assertThat(secured.pipeline().names().get(0)).isEqualTo(ClientTls.HANDLER_NAME);
        assertThat(secured.pipeline().first()).isInstanceOf(SslHandler.class);
        assertThat(secured.pipeline().get(SslHandler.class).getHandshakeTimeoutMillis()).as("header timeout bounds it")
                .isZero();
        assertThat(plain.finishAndReleaseAll()).isFalse();
        secured.finishAndReleaseAll();
    }

    @Test
    void shouldSayWhyFilesMakeNoServerContext() throws Exception {
        assertThat(ClientTls.newServerContext(null)).isNull();
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Files.writeString(cert, "not a certificate\n");
        Files.writeString(key, "not a key\n");
        assertThatThrownBy(() -> ClientTls.newServerContext(new TlsSettings(cert, key)))
                .isInstanceOf(SSLException.class)
                .satisfies(e -> assertThat(ClientTls.describe(e)).isNotBlank());
    }
}
