package dev.sluice.routing.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * TLS on the client listener ({@code server.tls}): the PEM files the server's certificate and key are read from. The
 * files were readable and held a certificate chain and its matching PKCS#8 private key when the configuration was
 * loaded; the gateway reads them again whenever a configuration is applied, so replacing both files and reloading
 * rotates the certificate. Thread-safe (immutable).
 *
 * @param certFile the certificate chain, PEM, the server's own certificate first
 * @param keyFile the private key of that certificate, PEM, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 */
public record TlsSettings(Path certFile, Path keyFile) {
    /** Checks that both paths are given. */
    public TlsSettings {
        requireNonNull(certFile, "certFile");
        requireNonNull(keyFile, "keyFile");
    }
}
