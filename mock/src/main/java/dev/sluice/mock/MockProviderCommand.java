package dev.sluice.mock;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code mock-provider}: runs a {@link MockProvider} until the thread is interrupted or the JVM shuts down.
 * Prints {@code mock provider listening on http://HOST:PORT} once bound. Exit codes: 0 after an interrupt,
 * 2 for a refused {@code --host} (not loopback without {@code --allow-remote}), 1 when binding fails.
 *
 * <p>Confined to the thread that calls {@link #call()}.
 */
@Command(name = "mock-provider", mixinStandardHelpOptions = true,
    description = "Run the mock LLM provider (OpenAI and Anthropic wire formats, injectable faults).")
public final class MockProviderCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "9090", description = "Port to bind, 0 for any (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--allow-remote", description = "Allow binding a non-loopback address.")
    boolean allowRemote;

    @Option(names = "--event-loop-threads", defaultValue = "" + MockProvider.DEFAULT_EVENT_LOOP_THREADS,
        description = "NIO event loop threads (default: ${DEFAULT-VALUE}).")
    int eventLoopThreads;

    @Override
    public Integer call() {
        final PrintWriter out = spec.commandLine().getOut();
        final PrintWriter err = spec.commandLine().getErr();
        if (!allowRemote && !isLoopback(host)) {
            err.println("mock-provider: --host " + host + " is not a loopback address (expected: 127.0.0.1, ::1 "
                + "or localhost; pass --allow-remote to bind it anyway)");
            err.flush();
            return 2;
        }
        final MockProvider provider;
        try {
            provider = MockProvider.start(host, port, eventLoopThreads, MockProvider.DEFAULT_MAX_RECORDS);
        } catch (final IllegalStateException | IllegalArgumentException e) {
            err.println("mock-provider: " + e.getMessage()
                + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
            err.flush();
            return 1;
        }
        final Thread hook = new Thread(provider::close, "sluice-mock-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("mock provider listening on " + provider.baseUrl());
        out.flush();
        try {
            new CountDownLatch(1).await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            provider.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (final IllegalStateException shuttingDown) {
                // The JVM is already shutting down and runs the hook itself.
            }
        }
        return 0;
    }

    private static boolean isLoopback(final String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (final UnknownHostException e) {
            return false;
        }
    }
}
