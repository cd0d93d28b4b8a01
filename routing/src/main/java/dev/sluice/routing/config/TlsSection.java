package dev.sluice.routing.config;

import dev.sluice.routing.internal.LocatedYaml;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * Reads {@code server.tls} ({@code cert_file}, {@code key_file}) into {@link TlsSettings} and checks the files the way
 * a server would use them: readable, a PEM certificate chain, an unencrypted PKCS#8 private key, and the key belonging
 * to the first certificate. Reads the two files; the certificate's text goes into the configuration's version, so a
 * certificate replaced under the same file names is a change a reload applies (the key's text never does).
 * <p>
 * Confined to the calling thread (never an event loop: it reads files).
 */
final class TlsSection extends ConfigSection {
    /** Larger PEM files are not certificates or keys. */
    static final int MAX_PEM_BYTES = 1 << 20;
    private static final byte[] PROBE = "sluice server.tls key check".getBytes(StandardCharsets.US_ASCII);

    private final Path dir;

    /** @param dir the configuration file's directory, which relative file names are relative to */
    TlsSection(String file, LocatedYaml yaml, Map<String, String> env, Path dir) {
        super(file, yaml, env);
        this.dir = dir;
    }

    /**
     * Returns the settings under {@code server.tls}, or {@code null} when the section is absent (plain HTTP).
     *
     * @param filesText receives the text of the certificate file, for the configuration's version (never the key's:
     *                  the version is logged and journaled, and a new key comes with a new certificate, since the key
     *                  must belong to it)
     */
    TlsSettings tls(JsonNode server, StringBuilder filesText) throws ConfigException {
        JsonNode t = server.path("tls");
        if (t.isMissingNode() || t.isNull()) {
            return null;
        }
        checkKeys(t, "server.tls", "cert_file", "key_file");
        Path cert = path(t, "server.tls.cert_file", null, dir);
        Path key = path(t, "server.tls.key_file", null, dir);
        if (cert == null || key == null) {
            throw error(cert == null ? "server.tls.cert_file" : "server.tls.key_file",
                    "missing (server.tls needs cert_file and key_file, both PEM)");
        }
        String certPem = read(cert, "server.tls.cert_file");
        String keyPem = read(key, "server.tls.key_file");
        Certificate leaf = certificate(certPem, cert);
        PrivateKey privateKey = privateKey(keyPem, key, leaf.getPublicKey().getAlgorithm());
        checkPair(privateKey, leaf.getPublicKey(), cert, key);
        filesText.append(certPem);
        return new TlsSettings(cert, key);
    }

    private String read(Path p, String field) throws ConfigException {
        try {
            if (!Files.isRegularFile(p)) {
                throw error(field, p + " is not a file");
            }
            if (Files.size(p) > MAX_PEM_BYTES) {
                throw error(field, p + " is larger than " + MAX_PEM_BYTES + " bytes (expected: a PEM file)");
            }
            return Files.readString(p, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw error(field, "cannot read " + p + ": " + e.getMessage());
        }
    }

    /** The first certificate of the chain: the server's own. */
    private Certificate certificate(String pem, Path p) throws ConfigException {
        if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw error("server.tls.cert_file", p + " holds no PEM certificate (expected: -----BEGIN CERTIFICATE-----"
                    + ")");
        }
        try {
            Collection<? extends Certificate> chain = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            if (chain.isEmpty()) {
                throw error("server.tls.cert_file", p + " holds no certificate");
            }
            return chain.iterator().next();
        } catch (CertificateException e) {
            throw error("server.tls.cert_file", p + " is not a PEM certificate chain: " + e.getMessage());
        }
    }

    private PrivateKey privateKey(String pem, Path p, String algorithm) throws ConfigException {
        String begin = "-----BEGIN PRIVATE KEY-----";
        String end = "-----END PRIVATE KEY-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            String kind = pem.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key"
                    : pem.contains("RSA PRIVATE KEY") || pem.contains("EC PRIVATE KEY") ? "a PKCS#1 or SEC1 key"
                    : "no PEM private key";
            throw error("server.tls.key_file", p + " holds " + kind + " (expected: an unencrypted PKCS#8 key, "
                    + "-----BEGIN PRIVATE KEY-----; convert with: openssl pkcs8 -topk8 -nocrypt)");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            throw error("server.tls.key_file", p + " is not a private key of type " + algorithm + " in PKCS#8 (the"
                    + " type of the certificate's key): " + e.getMessage());
        }
    }

    /** Signs with the key and verifies with the certificate: a key of another certificate is refused here. */
    private void checkPair(PrivateKey key, PublicKey certKey, Path cert, Path keyFile) throws ConfigException {
        String algorithm = switch (certKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "EdDSA", "Ed25519", "Ed448" -> "EdDSA";
            default -> null;
        };
        if (algorithm == null) {
            return;
        }
        boolean match;
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(PROBE);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(certKey);
            v.update(PROBE);
            match = v.verify(signature);
        } catch (GeneralSecurityException e) {
            match = false;
        }
        if (!match) {
            throw error("server.tls.key_file", keyFile + " is not the private key of the certificate in " + cert);
        }
    }
}
