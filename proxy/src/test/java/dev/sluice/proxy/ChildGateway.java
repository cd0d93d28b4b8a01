package dev.sluice.proxy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code sluice serve} in a child JVM, for tests that signal or kill the gateway process itself. Started with the
 * test JVM's class path and its Chronicle/Agrona flags, on free ports. Close it in {@code @AfterEach}, before its
 * data directory is deleted.
 */
final class ChildGateway implements AutoCloseable {
    private static final Pattern LISTENING =
            Pattern.compile("sluice listening on https?://127\\.0\\.0\\.1:(\\d+) \\(admin http://127\\.0\\.0\\.1:(\\d+)\\)");
    /** Lines of output kept per child, for tests that scan what a gateway printed. */
    private static final int MAX_KEPT_LINES = 100_000;

    private final Process process;
    private final int port;
    private final int adminPort;
    private final java.util.concurrent.ConcurrentLinkedQueue<String> output;

    private ChildGateway(Process process, int port, int adminPort,
                         java.util.concurrent.ConcurrentLinkedQueue<String> output) {
        this.process = process;
        this.port = port;
        this.adminPort = adminPort;
        this.output = output;
    }

    /** Starts {@code sluice serve --config config --data-dir dataDir} plus {@code extraArgs}; returns once it listens. */
    static ChildGateway start(Path config, Path dataDir, String... extraArgs) throws IOException {
        return start(List.of(), config, dataDir, extraArgs);
    }

    /**
     * As {@link #start(Path, Path, String...)}, the java command run through {@code launcher} (a command that
     * execs its arguments, such as {@code env --default-signal=HUP} or {@code nohup}).
     */
    static ChildGateway start(List<String> launcher, Path config, Path dataDir, String... extraArgs)
            throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(sluiceCommand(List.of()));
        cmd.addAll(List.of("serve", "--config", config.toString(), "--port", "0", "--admin-port", "0",
                "--data-dir", dataDir.toString()));
        cmd.addAll(List.of(extraArgs));
        return start(new ProcessBuilder(cmd));
    }

    /**
     * The java command that runs the {@code sluice} command line with the test JVM's class path and its
     * Chronicle/Agrona flags, plus {@code jvmArgs} (such as {@code -Dsluice.home=...}); the verb and its arguments
     * follow.
     */
    static List<String> sluiceCommand(List<String> jvmArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("-Dchronicle") || arg.startsWith("--enable-native")
                    || arg.startsWith("--sun-misc")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sluice.proxy.cli.SluiceCommand"));
        return cmd;
    }

    /** Starts {@code serve} as {@code builder} says (command, directory, environment); returns once it listens. */
    static ChildGateway start(ProcessBuilder builder) throws IOException {
        Process p = builder.redirectErrorStream(true).start();
        try {
            return awaitListening(p);
        } catch (Throwable e) {
            ChildProcesses.kill(p);
            throw e;
        }
    }

    private static ChildGateway awaitListening(Process p) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        java.util.concurrent.ConcurrentLinkedQueue<String> kept = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();
        String line;
        while ((line = out.readLine()) != null) {
            kept.add(line);
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> {
                    try {
                        String l;
                        while ((l = out.readLine()) != null) {
                            // Keep the pipe empty so the child never blocks writing its output.
                            if (count.incrementAndGet() < MAX_KEPT_LINES) {
                                kept.add(l);
                            }
                        }
                    } catch (IOException ignored) {
                        // The child died.
                    }
                }, "child-gateway-output");
                drain.setDaemon(true);
                drain.start();
                return new ChildGateway(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), kept);
            }
        }
        throw new AssertionError("the child gateway did not start; it printed:\n" + String.join("\n", kept));
    }

    int port() {
        return port;
    }

    /** Sends one chat completion with the demo key to this gateway (not streamed) and returns the answer. */
    HttpResponse<String> chat(HttpClient http) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TestGateway.DEMO_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    int adminPort() {
        return adminPort;
    }

    /** Returns what the child printed so far (stdout and stderr). */
    String output() {
        return String.join("\n", output);
    }

    Process process() {
        return process;
    }

    /** SIGKILL (no shutdown hook runs), like a crash; returns once the process is gone. */
    void kill() {
        ChildProcesses.kill(process);
    }

    /**
     * SIGTERM (the gateway closes itself in its shutdown hook), SIGKILL if it still runs after
     * {@link ChildProcesses#GRACE_MS}; returns once the process is gone. Does nothing when it already exited.
     */
    @Override
    public void close() {
        ChildProcesses.stop(process, ChildProcesses.GRACE_MS);
    }
}
