package dev.sluice.mock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(120)
class MockProviderCommandTest {
    @Test
    void shouldRefuseNonLoopbackHostWithoutAllowRemote() {
        final StringWriter err = new StringWriter();
        final CommandLine cli = new CommandLine(new MockProviderCommand()).setErr(new PrintWriter(err));

        final int code = cli.execute("--host", "192.0.2.10", "--port", "0");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("not a loopback address").contains("--allow-remote");
    }

    @Test
    void shouldServeUntilInterrupted() throws Exception {
        final StringWriter out = new StringWriter();
        final CommandLine cli = new CommandLine(new MockProviderCommand()).setOut(new PrintWriter(out, true));
        final AtomicInteger exit = new AtomicInteger(-1);
        final Thread runner = new Thread(() -> exit.set(cli.execute("--port", "0")), "mock-provider-cli");
        runner.start();
        try {
            final Pattern listening = Pattern.compile("mock provider listening on (http://127\\.0\\.0\\.1:(\\d+))");
            await().atMost(Duration.ofSeconds(60)).until(() -> listening.matcher(out.toString()).find());
            final Matcher m = listening.matcher(out.toString());
            assertThat(m.find()).isTrue();

            final HttpResponse<String> rsp = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(m.group(1) + "/v1/models")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(rsp.statusCode()).isEqualTo(200);
            assertThat(rsp.body()).contains("mock-gpt");
        } finally {
            runner.interrupt();
            runner.join(30_000);
        }
        assertThat(runner.isAlive()).isFalse();
        assertThat(exit.get()).isZero();
    }

    @Test
    void shouldFailWhenPortIsTaken() throws IOException {
        try (MockProvider taken = MockProvider.start("127.0.0.1", 0)) {
            final StringWriter err = new StringWriter();
            final int code = new CommandLine(new MockProviderCommand()).setErr(new PrintWriter(err))
                .execute("--port", Integer.toString(taken.port()));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("cannot bind");
        }
    }
}
