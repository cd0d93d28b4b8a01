package dev.sluice.bench.compare.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process the comparison started (the upstream, a proxy, a gateway): output to a log file, stopped with SIGTERM
 * (then SIGKILL after {@link #STOP_TIMEOUT_S} s), by its own pid and its descendants' only. Confined to the
 * comparison's main thread.
 */
public final class ChildProcess implements AutoCloseable {
    /** Seconds a process gets to exit after SIGTERM. */
    static final long STOP_TIMEOUT_S = 10;

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} in {@code dir} with {@code env} added to this process's environment. */
    public static ChildProcess start(String name, List<String> command, Map<String, String> env, Path dir, Path log)
            throws IOException {
        ProcessBuilder pb = new ProcessBuilder(requireNonNull(command, "command")).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new ChildProcess(requireNonNull(name, "name"), pb.start(), log);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** Where its output goes. */
    public Path log() {
        return log;
    }

    /** Waits until 127.0.0.1:{@code port} accepts a connection; false on timeout or when the process died. */
    public boolean awaitPort(int port, long timeoutMs) throws InterruptedException {
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadlineNs < 0) {
            if (!process.isAlive()) {
                return false;
            }
            if (portOpen(port)) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    /** True when something accepts connections on 127.0.0.1:{@code port}. */
    public static boolean portOpen(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGTERM to the process and its descendants, SIGKILL to what is left after the timeout. */
    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        descendants.forEach(ProcessHandle::destroy);
        if (!process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(STOP_TIMEOUT_S, TimeUnit.SECONDS);
        }
        for (ProcessHandle d : descendants) {
            if (d.isAlive()) {
                d.destroyForcibly();
            }
        }
    }
}
