package dev.sluice.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.cli.JournalCommand;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import picocli.CommandLine;

/**
 * Pauses and clock jumps (RELIABILITY.md D9). A gateway process stopped with SIGSTOP for longer than any lock
 * timeout while streams are in flight resumes them, serves new requests and leaves a journal that verifies; the
 * wall clock jumping an hour back and two forward mid-stream changes no timer (they run on the monotonic clock)
 * and breaks no record, and the records written across the jump keep their wall times as they were read.
 */
class PauseAndClockJumpSystemTest {
    /**
     * Longer than Chronicle's 15 s lock timeout and its 20 s recovery timeout: {@code -Dsluice.d9.pause.s} (the JDK 25
     * pass of .ci/run pauses shorter).
     */
    private static final int PAUSE_S = Integer.getInteger("sluice.d9.pause.s", 25);
    private static final int STREAMS = 10;
    private Path dir;
    private ChildGateway child;
    private TestGateway gw;

    @AfterEach
    void cleanUp() throws IOException {
        if (child != null) {
            ProcessHandle.of(child.process().pid()).ifPresent(h -> signal(h.pid(), "CONT"));
            child.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (dir != null) {
            TempDirs.deleteRecursively(dir);
        }
    }

    @Test
    @Timeout(180)
    void shouldResumeAfterAPauseLongerThanAnyLockTimeout() throws Exception {
        dir = Files.createTempDirectory("sluice-pause");
        child = ChildGateway.start(TestGateway.defaultConfig().toAbsolutePath(), dir.resolve("data"), "--no-watch");
        ExecutorService clients = Executors.newFixedThreadPool(STREAMS);
        try {
            List<Future<String>> streams = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                // 40 events 100 ms apart: each stream is still running when the process stops.
                streams.add(clients.submit(() -> stream(child.port(), "[[mock tokens=40 token_ms=100]]")));
            }
            Thread.sleep(1_000);
            long pid = child.process().pid();
            signal(pid, "STOP");
            long stoppedNs = System.nanoTime();
            Thread.sleep(TimeUnit.SECONDS.toMillis(PAUSE_S));
            signal(pid, "CONT");
            long pausedMs = (System.nanoTime() - stoppedNs) / 1_000_000;
            int completed = 0;
            for (Future<String> f : streams) {
                String answer = f.get(120, TimeUnit.SECONDS);
                assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("data: [DONE]\n\n");
                completed++;
            }
            assertThat(stream(child.port(), "[[mock tokens=3]]")).endsWith("data: [DONE]\n\n");
            child.close();
            child = null;
            Path journalDir = dir.resolve("data").resolve("journal");
            String verified = verify(dir.resolve("data"));
            List<JournalEntry> entries;
            try (JournalReader r = JournalReader.open(journalDir)) {
                entries = r.last(Integer.MAX_VALUE, 0);
                assertThat(r.undecodableRecords()).isZero();
            }
            assertThat(entries).hasSize(STREAMS + 1).allSatisfy(e -> assertThat(e.outcome()).isEqualTo("ok"));
            System.out.println("D9 pause: SIGSTOP for " + pausedMs + " ms with " + STREAMS + " streams in flight: "
                    + completed + "/" + STREAMS + " completed after SIGCONT, the next request served; journal verify"
                    + " " + verified + " (0 undecodable), " + entries.size()
                    + " requests journaled as ok");
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    @Timeout(120)
    void shouldKeepTimersOnTheMonotonicClockWhenTheWallClockJumps() throws Exception {
        JumpingClock clock = new JumpingClock();
        gw = TestGateway.start(clock);
        ExecutorService clients = Executors.newSingleThreadExecutor();
        try {
            // Stream A runs across the jump back, stream B across the jump forward: 20 events 100 ms apart each.
            Future<String> a = clients.submit(() -> stream(gw.port(), "[[mock tokens=20 token_ms=100]]"));
            Thread.sleep(800);
            clock.jumpMillis(TimeUnit.HOURS.toMillis(-1));
            assertThat(stream(gw.port(), "[[mock tokens=2]]")).endsWith("data: [DONE]\n\n");
            assertThat(a.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ").endsWith("data: [DONE]\n\n");
            Future<String> b = clients.submit(() -> stream(gw.port(), "[[mock tokens=20 token_ms=100]]"));
            Thread.sleep(800);
            clock.jumpMillis(TimeUnit.HOURS.toMillis(2));
            assertThat(stream(gw.port(), "[[mock tokens=2]]")).endsWith("data: [DONE]\n\n");
            assertThat(b.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200 ").endsWith("data: [DONE]\n\n");
            List<JournalEntry> entries = gw.journal();
            assertThat(entries).hasSize(4).allSatisfy(e -> {
                assertThat(e.isFinished()).isTrue();
                assertThat(e.outcome()).isEqualTo("ok");
            });
            // By the wall clock, stream A ended before it began and stream B lasted two hours: kept as read.
            long backwards = entries.stream().filter(e -> e.end().wallTimeMicros() < e.request().wallTimeMicros())
                    .count();
            long hoursLong = entries.stream().filter(e -> e.end().wallTimeMicros() - e.request().wallTimeMicros()
                    > TimeUnit.HOURS.toMicros(1)).count();
            assertThat(backwards).isEqualTo(1);
            assertThat(hoursLong).isEqualTo(1);
            String verified = verify(gw.dataDir());
            System.out.println("D9 clock jumps: wall clock moved -1 h, then +2 h, each in the middle of a 2 s stream:"
                    + " both streams and a request after each served (timeouts run on the monotonic clock); "
                    + backwards + " END record earlier than its REQUEST and " + hoursLong + " two hours after it by"
                    + " the wall clock (kept as read, not fatal); journal verify " + verified);
        } finally {
            clients.shutdownNow();
        }
    }

    /** Runs {@code journal verify} on the journal of {@code dataDir}; returns its one-line verdict (OK: ...). */
    private static String verify(Path dataDir) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = new CommandLine(new JournalCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("verify", "--data-dir", dataDir.toString());
        assertThat(exit).as("journal verify: %s %s", out, err).isZero();
        assertThat(out.toString().strip()).startsWith("OK: ");
        return out.toString().strip().lines().findFirst().orElseThrow();
    }

    /** Sends a streamed chat request whose message carries {@code directive}; returns all the gateway sent. */
    private static String stream(int port, String directive) throws IOException {
        String body = "{\"model\":\"demo\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"go "
                + directive + "\"}]}";
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(120_000);
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestGateway.DEMO_KEY + "\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(ISO_8859_1));
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            return dechunk(all.toString(ISO_8859_1));
        }
    }

    /** The head, then the chunked body's data (chunk-size lines removed). */
    private static String dechunk(String response) {
        int headEnd = response.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return response;
        }
        StringBuilder out = new StringBuilder(response.substring(0, headEnd + 4));
        int i = headEnd + 4;
        while (i < response.length()) {
            int lineEnd = response.indexOf("\r\n", i);
            int size = Integer.parseInt(response.substring(i, lineEnd).trim(), 16);
            if (size == 0) {
                break;
            }
            out.append(response, lineEnd + 2, lineEnd + 2 + size);
            i = lineEnd + 2 + size + 2;
        }
        return out.toString();
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
            kill.waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
