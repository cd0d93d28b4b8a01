package dev.sluice.routing.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code server.tls}: its files relative to the configuration's directory, checked at load (readable, a PEM
 * certificate, a PKCS#8 key that belongs to it), the certificate's text part of the version, and applied on a
 * reload. The certificates are made at run time by the JDK's keytool.
 */
@Timeout(120)
class TlsConfigTest {
    private static final String BASE = String.join("\n",
            "server:",
            "  port: 9000",
            "  tls: {cert_file: tls/cert.pem, key_file: tls/key.pem}",
            "providers:",
            "  mock: {kind: openai, base_url: mock}",
            "models:",
            "  demo: {provider: mock, model: mock-gpt}",
            "");

    @TempDir
    Path dir;

    @Test
    void shouldReadTheFilesRelativeToTheConfigurationAndMakeThemPartOfTheVersion() throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, BASE);
        Files.createDirectories(dir.resolve("tls"));
        Pem a = Pem.create(dir, "a");
        a.write(dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem"));

        GatewayConfig first = ConfigLoader.load(conf, Map.of());
        assertThat(first.server().tls()).isEqualTo(new TlsSettings(dir.resolve("tls/cert.pem"),
                dir.resolve("tls/key.pem")));
        assertThat(ConfigLoader.load(conf, Map.of()).version()).as("same files").isEqualTo(first.version());

        // A certificate replaced under the same names: another version, which a reload applies.
        Pem.create(dir, "b").write(dir.resolve("tls/cert.pem"), dir.resolve("tls/key.pem"));
        GatewayConfig rotated = ConfigLoader.load(conf, Map.of());
        assertThat(rotated.version()).isNotEqualTo(first.version());
        assertThat(rotated.restartOnlyChanges(first)).isEmpty();

        // Turned on and off by a reload: the reloaded snapshot carries the new setting.
        Files.writeString(conf, BASE.replace("  tls: {cert_file: tls/cert.pem, key_file: tls/key.pem}\n", ""));
        GatewayConfig plain = ConfigLoader.load(conf, Map.of());
        assertThat(plain.server().tls()).isNull();
        assertThat(plain.restartOnlyChanges(rotated)).isEmpty();
        assertThat(plain.keepRuntimeOf(rotated).server().tls()).isNull();
        assertThat(rotated.keepRuntimeOf(plain).server().tls()).isEqualTo(rotated.server().tls());
    }

    @Test
    void shouldRefuseFilesAServerCouldNotUseWithFileLineAndField() throws Exception {
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, BASE);
        Files.createDirectories(dir.resolve("tls"));
        Path cert = dir.resolve("tls/cert.pem");
        Path key = dir.resolve("tls/key.pem");

        assertError(conf, 3, "server.tls.cert_file", cert + " is not a file");

        Pem a = Pem.create(dir, "a");
        a.write(cert, key);
        Pem b = Pem.create(dir, "b");
        b.write(dir.resolve("b-cert.pem"), key);
        assertError(conf, 3, "server.tls.key_file", "is not the private key of the certificate in " + cert);

        Files.writeString(key, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assertError(conf, 3, "server.tls.key_file", "holds a PKCS#1 or SEC1 key (expected: an unencrypted PKCS#8 key");
        Files.writeString(key, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertError(conf, 3, "server.tls.key_file", "holds an encrypted key");
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
        assertError(conf, 3, "server.tls.key_file", "is not a private key of type EC in PKCS#8");

        a.write(cert, key);
        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n");
        assertError(conf, 3, "server.tls.cert_file", "is not a PEM certificate chain");
        Files.writeString(cert, "hello\n");
        assertError(conf, 3, "server.tls.cert_file", "holds no PEM certificate");

        a.write(cert, key);
        Files.writeString(conf, BASE.replace("key_file: tls/key.pem", "ca_file: x"));
        assertError(conf, 3, "server.tls.ca_file", "unknown setting (expected one of: cert_file, key_file)");
        Files.writeString(conf, BASE.replace(", key_file: tls/key.pem", ""));
        assertError(conf, 3, "server.tls.key_file", "missing (server.tls needs cert_file and key_file, both PEM)");
    }

    private static void assertError(Path conf, int line, String field, String message) {
        assertThatThrownBy(() -> ConfigLoader.load(conf, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(conf + ":" + line + ": " + field + ": ")
                .hasMessageContaining(message);
    }

    /** A self-signed EC certificate and its key, made by the JDK's keytool, written as PEM. */
    private record Pem(byte[] certificate, byte[] key) {
        static Pem create(Path dir, String name) throws Exception {
            Path store = dir.resolve(name + ".p12");
            char[] password = "changeit".toCharArray();
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-keyalg", "EC", "-groupname",
                    "secp256r1", "-alias", "server", "-dname", "CN=" + name, "-ext", "san=dns:localhost",
                    "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-keypass",
                    "changeit", "-noprompt")).redirectErrorStream(true)
                    .redirectOutput(dir.resolve(name + ".log").toFile()).start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IOException("keytool failed: " + Files.readString(dir.resolve(name + ".log")));
                }
            } finally {
                p.destroyForcibly();
            }
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                ks.load(in, password);
            }
            return new Pem(ks.getCertificate("server").getEncoded(), ks.getKey("server", password).getEncoded());
        }

        void write(Path certFile, Path keyFile) throws IOException {
            Files.writeString(certFile, pem("CERTIFICATE", certificate));
            Files.writeString(keyFile, pem("PRIVATE KEY", key));
        }

        private static String pem(String type, byte[] der) {
            return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                    + "\n-----END " + type + "-----\n";
        }
    }
}
