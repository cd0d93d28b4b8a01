package dev.sluice.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The connection cap against the process's descriptor limit (RELIABILITY.md B2, B4): a gateway whose
 * {@code server.max_connections} (the default 10,000) is more than its descriptors can hold says so at start and
 * holds fewer, so that clients opening connections past the descriptor limit never starve the journal and the
 * upstream connections of descriptors: a legitimate request is still served. The gateway runs in a child JVM
 * started under {@code ulimit -n 700}.
 */
@Timeout(180)
class DescriptorLimitSystemTest {
    private static final int DESCRIPTORS = 700;
    private static final int CLIENTS = 650;
    private static final Pattern CAP = Pattern.compile("(?m)^sluice_client_connections_cap (\\d+)$");
    private static final Pattern OPEN = Pattern.compile("(?m)^sluice_client_connections (\\d+)$");

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<Socket> sockets = new ArrayList<>();
    private ChildGateway child;

    @AfterEach
    void stop() throws IOException {
        try {
            for (Socket s : sockets) {
                s.close();
            }
        } finally {
            if (child != null) {
                child.close();
            }
        }
    }

    @Test
    void shouldHoldNoMoreConnectionsThanItsDescriptorsAllowAndKeepServing() throws Exception {
        child = ChildGateway.start(List.of("bash", "-c", "ulimit -n " + DESCRIPTORS + " && exec \"$@\"", "bash"),
                TestGateway.defaultConfig(), data);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(child.output())
                .contains("server.max_connections 10000 is more than this process's descriptors can hold"));
        int cap = metric(CAP);
        assertThat(cap).as("the cap in force: half the descriptors, as the reserve leaves less").isEqualTo(350);

        for (int i = 0; i < CLIENTS; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress("127.0.0.1", child.port()), 5_000);
            sockets.add(s);
        }
        // Every connection beyond the cap displaced the one that waited longest for a request.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(metric(OPEN)).isLessThanOrEqualTo(cap));
        HttpResponse<String> r = child.chat(http);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        int open = metric(OPEN);
        assertThat(child.output()).doesNotContain("Too many open files");
        System.out.println("B4 descriptor limit: ulimit -n " + DESCRIPTORS + ", max_connections 10000 configured: cap"
                + " in force " + cap + "; " + CLIENTS + " connections opened, " + open + " held; a request beside"
                + " them served 200; no 'Too many open files'");
    }

    private int metric(Pattern p) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + child.adminPort()
                + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = p.matcher(r.body());
        assertThat(m.find()).as(r.body()).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
