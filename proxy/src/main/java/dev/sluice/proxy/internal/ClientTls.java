package dev.sluice.proxy.internal;

import dev.sluice.routing.config.TlsSettings;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;

import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

/**
 * TLS on the client listener ({@code server.tls}): the server context new connections take their {@link SslHandler}
 * from, first in their pipeline:
 *
 * <pre>
 *   socket -> SslHandler (when TLS is on) -> HttpServerCodec (strict decoder) -> ClientHandler -> ...
 * </pre>
 * The context is built from the certificate and key files off the event loops ({@link #newServerContext}, at start
 * and on every configuration applied, so replacing the files and reloading rotates the certificate) and published
 * through one volatile reference; a connection keeps the context it opened with. TLS 1.3 and 1.2 only, AEAD cipher
 * suites with forward secrecy only, no ALPN (the listener speaks HTTP/1.1). A handshake that fails, plain HTTP sent
 * to the port included, closes the connection through {@link ClientHandler#exceptionCaught}; one that stalls is cut
 * by {@code server.header_timeout_ms}, which runs from the connection's opening.
 * <p>
 * Thread-safe.
 */
public final class ClientTls {
    /** The protocol versions offered. */
    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /**
     * The cipher suites offered, best first: TLS 1.3's own, then TLS 1.2's ECDHE (forward secrecy) with an AEAD
     * cipher. Those the JDK lacks are left out, and the ones that do not fit the certificate's key go unused.
     */
    public static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** The name of the handler in a client connection's pipeline. */
    public static final String HANDLER_NAME = "tls";

    /** The context of new connections, or null: plain HTTP. */
    private volatile SslContext current;

    /** Puts {@code context} in force for connections opened from now on; null turns TLS off for them. */
    public void install(SslContext context) {
        current = context;
    }

    /** Whether new connections get TLS. */
    public boolean enabled() {
        return current != null;
    }

    /** Adds the TLS handler first in a new client connection's pipeline when TLS is on. Call from its initializer. */
    public void addTo(Channel ch) {
        SslContext context = current;
        if (context != null) {
            SslHandler handler = context.newHandler(ch.alloc());
            // server.header_timeout_ms, running from the connection's opening, bounds the handshake: no second timer
            // with a limit of its own.
            handler.setHandshakeTimeout(0, TimeUnit.MILLISECONDS);
            ch.pipeline().addFirst(HANDLER_NAME, handler);
        }
    }

    /**
     * Builds the server context of {@code tls} from its files as they are now, or returns null for null (plain HTTP).
     * Reads files: call it off the event loops.
     *
     * @throws SSLException when the files cannot be read or do not make a server context; the message says why
     */
    public static SslContext newServerContext(TlsSettings tls) throws SSLException {
        if (tls == null) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(tls.certFile().toFile(), tls.keyFile().toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols(PROTOCOLS)
                    .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .build();
        } catch (IllegalArgumentException e) {
            // The builder reports unreadable or malformed files this way.
            throw new SSLException(e.getMessage(), e);
        }
    }

    /** Why a context could not be built: the messages of the exception and its causes, each once. */
    public static String describe(Throwable e) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (Throwable t = e; t != null && depth < 8; t = t.getCause(), depth++) {
            String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (b.indexOf(m) < 0) {
                b.append(b.length() == 0 ? "" : ": ").append(m);
            }
        }
        return b.toString();
    }
}
