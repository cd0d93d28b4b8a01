package dev.sluice.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code 127.0.0.1} and {@code localhost} (EC P-256), made at run time by the JDK's own
 * {@code keytool} (no openssl, no extra library), with its private key: written as the PEM files {@code server.tls}
 * reads, and trusted by the clients of a test. Thread-safe (immutable).
 */
public final class TestCertificate {
    private static final long KEYTOOL_TIMEOUT_S = 60;
    private static final char[] STORE_PASSWORD = "sluice-test".toCharArray();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private TestCertificate(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /**
     * Makes a new key pair and its certificate named {@code CN=commonName}, using {@code workDir} for keytool's key
     * store (deleted before this returns).
     */
    public static TestCertificate create(Path workDir, String commonName) throws IOException, InterruptedException,
            GeneralSecurityException {
        Path store = Files.createTempFile(workDir, "keytool-", ".p12");
        Path log = Files.createTempFile(workDir, "keytool-", ".log");
        // keytool will not write over a file, even an empty one.
        Files.delete(store);
        Process p = null;
        try {
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-alias", "server", "-dname", "CN=" + commonName, "-ext", "san=ip:127.0.0.1,dns:localhost",
                    "-validity", "7", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(STORE_PASSWORD), "-keypass", new String(STORE_PASSWORD), "-noprompt"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(KEYTOOL_TIMEOUT_S, TimeUnit.SECONDS)) {
                throw new IOException("keytool did not finish in " + KEYTOOL_TIMEOUT_S + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException("keytool exited with " + p.exitValue() + ": " + Files.readString(log));
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, STORE_PASSWORD);
            }
            return new TestCertificate((X509Certificate) ks.getCertificate("server"),
                    (PrivateKey) ks.getKey("server", STORE_PASSWORD));
        } finally {
            if (p != null && p.isAlive()) {
                ChildProcesses.kill(p);
            }
            Files.deleteIfExists(store);
            Files.deleteIfExists(log);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** Writes the certificate (PEM) to {@code certFile} and its key (PEM, PKCS#8) to {@code keyFile}, replacing them. */
    public void writeTo(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        Files.writeString(certFile, pem("CERTIFICATE", certificate.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** A client context that trusts these certificates and no other. */
    public static SSLContext trusting(TestCertificate... certificates) throws IOException, GeneralSecurityException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) {
            trust.setCertificateEntry("trusted-" + i, certificates[i].certificate);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
