package dev.sluice.bench.load;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code sluice bench}: the end-to-end load driver. Closed loop with {@code --connections N}, open loop with
 * {@code --rate R} (latency from the intended send time); prints a percentile table or, with {@code --json}, one
 * JSON summary. Exit code 0 when the run had no error, 1 when it had some, 2 for bad options.
 * Confined to the main thread.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "HTTP/1.1 load driver: closed loop (--connections) or open loop at a fixed rate (--rate).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--url", required = true, paramLabel = "URL",
            description = "Target, e.g. http://127.0.0.1:8080/v1/chat/completions.")
    String url;

    @Option(names = "--body", paramLabel = "FILE", description = "POST this file's bytes.")
    Path bodyFile;

    @Option(names = "--body-json", paramLabel = "JSON", description = "POST this string.")
    String bodyJson;

    @Option(names = "-H", paramLabel = "'Name: value'", description = "Extra header (repeatable).")
    List<String> headers = new ArrayList<>();

    @Option(names = {"-c", "--connections"}, paramLabel = "N",
            description = "Closed loop: connections. Open loop: connections opened up front (default: ${DEFAULT-VALUE}).")
    int connections = LoadSpec.DEFAULT_CONNECTIONS;

    @Option(names = "--rate", paramLabel = "R", description = "Open loop at R requests/s (default: closed loop).")
    double rate;

    @Option(names = "--max-connections", paramLabel = "N",
            description = "Open loop: connections at most (default: ${DEFAULT-VALUE}).")
    int maxConnections = LoadSpec.DEFAULT_MAX_CONNECTIONS;

    @Option(names = {"-d", "--duration"}, paramLabel = "S", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    double durationS = 10;

    @Option(names = "--warmup", paramLabel = "S", description = "Seconds before, recorded apart and discarded (default: ${DEFAULT-VALUE}).")
    double warmupS = 0;

    @Option(names = "--sse", description = "Expect SSE streams: time to first data: event, and the end must be data: [DONE].")
    boolean sse;

    @Option(names = "--threads", paramLabel = "N", description = "Event loop threads (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--drain-timeout", paramLabel = "S",
            description = "Seconds the requests in flight at the end may take (default: ${DEFAULT-VALUE}).")
    double drainTimeoutS = LoadSpec.DEFAULT_DRAIN_TIMEOUT_NS / 1e9;

    @Option(names = "--max-idle", paramLabel = "S", description = "Close a pooled connection idle this long instead of "
            + "reusing it, below the server's keep-alive timeout (default: ${DEFAULT-VALUE}).")
    double maxIdleS = LoadSpec.DEFAULT_MAX_IDLE_NS / 1e9;

    @Option(names = "--hdr-log", paramLabel = "FILE", description = "Write an HdrHistogram interval log (µs).")
    Path hdrLog;

    @Option(names = "--json", description = "Print one JSON summary instead of the table.")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LoadSpec load = toSpec();
        LoadResult result = LoadDriver.run(load);
        out.print(json ? result.toJson() + System.lineSeparator() : result.toTable());
        out.flush();
        return result.errors() == 0 ? 0 : 1;
    }

    LoadSpec toSpec() throws IOException {
        if (bodyFile != null && bodyJson != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--body and --body-json: give one");
        }
        LoadSpec.Builder b = LoadSpec.builder(url)
                .connections(connections)
                .maxConnections(maxConnections)
                .ratePerSecond(rate)
                .durationNs(seconds(durationS, "--duration"))
                .warmupNs(warmupS == 0 ? 0 : seconds(warmupS, "--warmup"))
                .drainTimeoutNs(seconds(drainTimeoutS, "--drain-timeout"))
                .maxIdleNs(seconds(maxIdleS, "--max-idle"))
                .sse(sse)
                .threads(threads)
                .hdrLog(hdrLog);
        if (bodyFile != null) {
            b.body(Files.readAllBytes(bodyFile));
        } else if (bodyJson != null) {
            b.body(bodyJson.getBytes(StandardCharsets.UTF_8));
        }
        headers.forEach(b::header);
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private long seconds(double s, String option) {
        if (!(s > 0)) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + s + " (expected: > 0)");
        }
        return (long) (s * 1e9);
    }

    /** Runs the command line; exits with its code. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCommand()).execute(args));
    }
}
