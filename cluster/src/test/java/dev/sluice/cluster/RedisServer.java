package dev.sluice.cluster;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A real redis-server on a free loopback port, without persistence, for one test class. Close it in
 * {@code @AfterEach} or {@code @AfterAll}: closing stops the process and waits until it is gone.
 */
final class RedisServer implements AutoCloseable {
    /** How long redis-server may take to exit after SIGTERM before it gets SIGKILL. */
    private static final long STOP_GRACE_MS = 5_000;

    private final int port;
    private Process process;
    private RedisClient inspector;
    private StatefulRedisConnection<String, String> inspection;

    private RedisServer(int port) {
        this.port = port;
    }

    static RedisServer start() {
        RedisServer server = new RedisServer(freePort());
        server.startProcess();
        return server;
    }

    static RedisServer startOn(int port) {
        RedisServer server = new RedisServer(port);
        server.startProcess();
        return server;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts (or starts again, on the same port) the server process and waits until it answers PING; a process
     * that does not answer is killed before the failure is thrown.
     */
    void startProcess() {
        try {
            process = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start redis-server", e);
        }
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20)).until(this::answersPing);
        } catch (RuntimeException | Error e) {
            kill();
            throw e;
        }
    }

    /** Stops the server process (like a crash: no shutdown command). */
    void kill() {
        closeInspection();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
    void pause() {
        signal("-STOP");
    }

    void resume() {
        signal("-CONT");
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    /** A connection for the test to look at (and set up) what is stored. */
    RedisCommands<String, String> redis() {
        if (inspection == null) {
            inspector = RedisClient.create(uri());
            inspection = inspector.connect();
        }
        return inspection.sync();
    }

    /**
     * Closes the inspection connection and stops the server: SIGTERM, then SIGKILL if it still runs after
     * {@link #STOP_GRACE_MS} (a paused server only ends with SIGKILL). Returns once the process is gone.
     */
    @Override
    public void close() {
        closeInspection();
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_GRACE_MS, TimeUnit.MILLISECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        if (process.isAlive()) {
            throw new IllegalStateException("redis-server " + process.pid() + " still runs after SIGKILL");
        }
    }

    private void closeInspection() {
        if (inspection != null) {
            inspection.close();
            inspector.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            inspection = null;
            inspector = null;
        }
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
            if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean answersPing() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[7];
            int n = in.readNBytes(reply, 0, 7);
            return n == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }
}
