package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.sluice.journal.JournalEntry;
import dev.sluice.proxy.internal.ClientTls;
import dev.sluice.routing.config.ConfigLoader;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * TLS on the client listener ({@code server.tls}) over real sockets, with certificates the test makes with the JDK's
 * keytool: chat and streams over HTTPS, TLS 1.3 and 1.2 with AEAD suites only (TLS 1.1, CBC suites and plain HTTP
 * refused without an error in the log and without a connection left behind), a stalled handshake cut by the header
 * timeout, and the certificate rotated by replacing its files and reloading, with a bad key refused and the running
 * certificate kept.
 */
@Timeout(180)
class ClientTlsSystemTest {
    private static final int SOCKET_TIMEOUT_MS = 30_000;
    /** TLS record types (RFC 8446 section 5.1). */
    private static final int ALERT = 21;
    private static final int HANDSHAKE = 22;
    /** The alert a server sends for a protocol version it does not speak (RFC 8446 section 6.2). */
    private static final int PROTOCOL_VERSION = 70;

    private Path dir;
    private Path certFile;
    private Path keyFile;
    private TestGateway gateway;
    private Gateway reloadable;
    private ConfigReloader reloader;
    private final List<Socket> sockets = new ArrayList<>();
    private ChildGateway child;
    private Process refused;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("sluice-tls");
        Files.createDirectories(dir.resolve("tls"));
        certFile = dir.resolve("tls/cert.pem");
        keyFile = dir.resolve("tls/key.pem");
    }

    @AfterEach
    void tearDown() throws IOException {
        try {
            for (Socket s : sockets) {
                s.close();
            }
            if (child != null) {
                child.close();
            }
            if (refused != null) {
                ChildProcesses.kill(refused);
            }
            if (reloader != null) {
                reloader.close();
            }
            if (reloadable != null) {
                reloadable.close();
            }
            if (gateway != null) {
                gateway.close();
            }
        } finally {
            TempDirs.deleteRecursively(dir);
        }
    }

    private TestGateway startTls(String... more) throws Exception {
        List<String> settings = new ArrayList<>(List.of("tls: {cert_file: '" + certFile + "', key_file: '" + keyFile
                + "'}"));
        settings.addAll(List.of(more));
        return TestGateway.startWith(TestGateway.shippedConfigWithServer(settings.toArray(new String[0])));
    }

    @Test
    void shouldServeChatAndStreamOverTls() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "sluice-test");
        cert.writeTo(certFile, keyFile);
        gateway = startTls();
        assertThat(gateway.baseUrl()).startsWith("https://127.0.0.1:");
        HttpClient client = HttpClient.newBuilder().sslContext(TestCertificate.trusting(cert))
                .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

        HttpResponse<String> chat = client.send(chatRequest(false), HttpResponse.BodyHandlers.ofString());
        assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
        assertThat(chat.body()).contains("\"model\":\"mock-gpt\"").contains("\"completion_tokens\":5");
        SSLSession session = chat.sslSession().orElseThrow();
        assertThat(session.getProtocol()).isEqualTo("TLSv1.3");
        assertThat(ClientTls.CIPHERS).contains(session.getCipherSuite());
        assertThat(session.getPeerCertificates()[0]).isEqualTo(cert.certificate());

        HttpResponse<String> stream = client.send(chatRequest(true), HttpResponse.BodyHandlers.ofString());
        assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
        assertThat(stream.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(stream.body()).contains("chat.completion.chunk").endsWith("data: [DONE]\n\n");
        JournalEntry e = gateway.awaitEnd(TestGateway.requestId(stream));
        assertThat(e.outcome()).isEqualTo("ok");
        assertThat(e.end().tokensOut()).isEqualTo(5);
    }

    @Test
    void shouldOfferOnlyTls12And13WithAeadSuitesAndRefuseTheRestWithoutAnError() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "sluice-test");
        cert.writeTo(certFile, keyFile);
        gateway = startTls();
        SSLContext trust = TestCertificate.trusting(cert);
        int port = gateway.port();

        // TLS 1.2 with each AEAD suite of the certificate's key: accepted.
        for (String suite : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
                "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256")) {
            SSLSocket s = handshake(trust, port, "TLSv1.2", suite);
            assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.2");
            assertThat(s.getSession().getCipherSuite()).isEqualTo(suite);
            assertThat(get(s, "/healthz")).startsWith("HTTP/1.1 200");
        }

        String log = stderrDuring(() -> {
            // CBC suites (no AEAD), which the JDK client still offers: refused.
            assertThatThrownBy(() -> handshake(trust, port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
                    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA")).isInstanceOf(SSLHandshakeException.class);

            // TLS 1.1 (the JDK client refuses to speak it, so the hello is written by hand): a protocol_version
            // alert, never a ServerHello.
            try (Socket s = raw(port)) {
                s.getOutputStream().write(tls11ClientHello());
                byte[] answer = s.getInputStream().readAllBytes();
                assertThat(answer).as("answer to a TLS 1.1 hello").isNotEmpty();
                assertThat(answer[0] & 0xff).as("record type").isEqualTo(ALERT).isNotEqualTo(HANDSHAKE);
                assertThat(answer[6] & 0xff).as("alert").isEqualTo(PROTOCOL_VERSION);
            }

            // Plain HTTP to the TLS port: no HTTP answer, the connection closed.
            try (Socket s = raw(port)) {
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                byte[] answer = s.getInputStream().readAllBytes();
                assertThat(new String(answer, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/");
            }
            for (Socket s : sockets) {
                s.close();
            }
            // Nothing left behind: every connection, refused or not, is gone.
            await().atMost(Duration.ofSeconds(60)).until(() -> gateway.gateway().load().connections() == 0);
        });
        assertThat(log).as("log while refusing").doesNotContain("ERROR").doesNotContain("\tat ")
                .doesNotContain("io.netty");
    }

    @Test
    void shouldCutAStalledHandshakeAtTheHeaderTimeout() throws Exception {
        TestCertificate.create(dir, "sluice-test").writeTo(certFile, keyFile);
        gateway = startTls("header_timeout_ms: 300");
        try (Socket s = raw(gateway.port())) {
            // The first bytes of a record header, then nothing: the handshake never completes.
            s.getOutputStream().write(new byte[] {HANDSHAKE, 3, 1});
            byte[] answer = s.getInputStream().readAllBytes();
            assertThat(answer.length == 0 || (answer[0] & 0xff) == ALERT).as("answer: %d bytes", answer.length)
                    .isTrue();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> gateway.gateway().load().connections() == 0);
    }

    @Test
    void shouldRotateTheCertificateOnReloadAndKeepTheRunningOneWhenTheNewKeyIsBad() throws Exception {
        TestCertificate a = TestCertificate.create(dir, "sluice-a");
        TestCertificate b = TestCertificate.create(dir, "sluice-b");
        TestCertificate c = TestCertificate.create(dir, "sluice-c");
        a.writeTo(certFile, keyFile);
        Path conf = dir.resolve("sluice.yaml");
        String plain = Files.readString(TestGateway.defaultConfig());
        // Relative to the configuration file's directory.
        String withTls = TestGateway.shippedConfigWithServer("tls: {cert_file: tls/cert.pem, key_file: tls/key.pem}");
        Files.writeString(conf, withTls);
        reloadable = Gateway.start(ConfigLoader.load(conf, Map.of()).bind(0, 0, 0).withDataDir(dir.resolve("data")));
        reloader = ConfigReloader.start(reloadable, conf, Map.of(), false);
        int port = reloadable.port();
        SSLContext trust = TestCertificate.trusting(a, b, c);
        String v1 = reloadable.config().version();

        SSLSocket first = handshake(trust, port, null);
        assertThat(peer(first)).isEqualTo(a.certificate());

        // Rotation: new files under the same names, then a reload.
        b.writeTo(certFile, keyFile);
        HttpResponse<String> rotated = reload();
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        assertThat(rotated.body()).contains("\"status\":\"applied\"");
        String v2 = reloadable.config().version();
        assertThat(v2).isNotEqualTo(v1);
        SSLSocket second = handshake(trust, port, null);
        assertThat(peer(second)).isEqualTo(b.certificate());
        // The connection opened before keeps its certificate and is still served: the gateway never restarted.
        assertThat(get(first, "/healthz")).startsWith("HTTP/1.1 200");
        assertThat(peer(first)).isEqualTo(a.certificate());

        // The key of another certificate: refused, the running certificate stays.
        c.writeTo(dir.resolve("c-cert.pem"), keyFile);
        HttpResponse<String> mismatched = reload();
        assertThat(mismatched.statusCode()).isEqualTo(400);
        assertThat(mismatched.body()).contains("invalid_config").contains("server.tls.key_file")
                .contains("is not the private key of the certificate");
        // No key at all: refused too.
        Files.writeString(keyFile, "not a key\n");
        HttpResponse<String> garbage = reload();
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.body()).contains("server.tls.key_file").contains("no PEM private key");
        assertThat(reloadable.config().version()).isEqualTo(v2);
        assertThat(peer(handshake(trust, port, null))).isEqualTo(b.certificate());

        // TLS off by a reload: new connections speak plain HTTP, the TLS one open keeps going.
        Files.writeString(conf, plain);
        HttpResponse<String> off = reload();
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(reloadable.config().server().tls()).isNull();
        try (Socket s = raw(port)) {
            assertThat(get(s, "/healthz")).startsWith("HTTP/1.1 200");
        }
        assertThat(get(second, "/healthz")).startsWith("HTTP/1.1 200");
        assertThat(reloadable.port()).isEqualTo(port);
    }

    @Test
    void shouldSayHttpsWhenItStartsAndNotStartWithTheKeyOfAnotherCertificate() throws Exception {
        TestCertificate.create(dir, "sluice-a").writeTo(certFile, keyFile);
        Path conf = dir.resolve("sluice.yaml");
        Files.writeString(conf, TestGateway.shippedConfigWithServer(
                "tls: {cert_file: tls/cert.pem, key_file: tls/key.pem}"));
        child = ChildGateway.start(conf, dir.resolve("data"));
        assertThat(child.output()).contains("sluice listening on https://127.0.0.1:" + child.port()
                + " (admin http://127.0.0.1:" + child.adminPort() + ")");
        child.close();
        child = null;

        TestCertificate.create(dir, "sluice-b").writeTo(dir.resolve("b-cert.pem"), keyFile);
        Path out = dir.resolve("refused.out");
        List<String> cmd = ChildGateway.sluiceCommand(List.of());
        cmd.addAll(List.of("serve", "--config", conf.toString(), "--port", "0", "--admin-port", "0", "--data-dir",
                dir.resolve("data-refused").toString()));
        refused = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertThat(refused.waitFor(120, TimeUnit.SECONDS)).as("sluice serve ended").isTrue();
        String printed = Files.readString(out);
        assertThat(refused.exitValue()).as(printed).isEqualTo(2);
        assertThat(printed).contains("sluice: invalid configuration: " + conf + ":")
                .contains(": server.tls.key_file: ").contains("is not the private key of the certificate")
                .doesNotContain("listening");
        assertThat(dir.resolve("data-refused")).as("nothing started").doesNotExist();
    }

    private HttpResponse<String> reload() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + reloadable.adminPort() + "/admin/reload"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest chatRequest(boolean stream) {
        return HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi [[mock tokens=5]]\"}]}")).build();
    }

    /** A TLS connection with the given protocol and suites (null: the client's defaults), handshake done. */
    private SSLSocket handshake(SSLContext trust, int port, String protocol, String... suites) throws IOException {
        SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port);
        sockets.add(s);
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        SSLParameters p = s.getSSLParameters();
        // As an HTTPS client checks it: the certificate must name 127.0.0.1.
        p.setEndpointIdentificationAlgorithm("HTTPS");
        if (protocol != null) {
            p.setProtocols(new String[] {protocol});
        }
        if (suites.length > 0) {
            p.setCipherSuites(suites);
        }
        s.setSSLParameters(p);
        s.startHandshake();
        return s;
    }

    private Socket raw(int port) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        sockets.add(s);
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        return s;
    }

    private static Certificate peer(SSLSocket s) throws IOException {
        return s.getSession().getPeerCertificates()[0];
    }

    /** Sends a GET on a kept-alive connection and returns the answer's status line. */
    private static String get(Socket s, String path) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        int length = -1;
        // The head, then exactly its Content-Length, so that the connection can serve the next request.
        while (head.indexOf("\r\n\r\n") < 0) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        in.readNBytes(Math.max(length, 0));
        return head.substring(0, head.indexOf("\r\n"));
    }

    /**
     * A ClientHello offering at most TLS 1.1 (RFC 4346): ECDHE and RSA suites with CBC, the P-256 group, no
     * supported_versions extension.
     */
    private static byte[] tls11ClientHello() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {3, 2});
        body.writeBytes(new byte[32]);
        body.write(0);
        body.writeBytes(new byte[] {0, 6, (byte) 0xc0, 0x09, (byte) 0xc0, 0x13, 0x00, 0x2f});
        body.writeBytes(new byte[] {1, 0});
        // supported_groups: secp256r1; ec_point_formats: uncompressed.
        body.writeBytes(new byte[] {0, 14, 0, 10, 0, 4, 0, 2, 0, 23, 0, 11, 0, 2, 1, 0});
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {HANDSHAKE, 3, 1, (byte) ((b.length + 4) >> 8), (byte) (b.length + 4)});
        record.writeBytes(new byte[] {1, 0, (byte) (b.length >> 8), (byte) b.length});
        record.writeBytes(b);
        return record.toByteArray();
    }

    /** What {@code action} made the gateway log (its logger writes to standard error), still passed through. */
    private static String stderrDuring(Action action) throws Exception {
        PrintStream original = System.err;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] buf, int off, int len) {
                original.write(buf, off, len);
                synchronized (copy) {
                    copy.write(buf, off, len);
                }
            }
        }, true));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        synchronized (copy) {
            return copy.toString(StandardCharsets.UTF_8);
        }
    }

    @FunctionalInterface
    private interface Action {
        void run() throws Exception;
    }
}
