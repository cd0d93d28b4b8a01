package dev.sluice.journal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

import dev.sluice.journal.ContentScan;
import dev.sluice.journal.RequestHistory;
import dev.sluice.journal.RequestRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code journal search}: the finished requests that match every filter given: key, team, model (as requested or as
 * served), agent (and version), outcome, time, and text within the captured content (the request body and the answer as the client
 * received it, case-insensitive). One line per request as {@code journal tail} prints it, or {@code --json}. Exit
 * code 0, or 1 when there is no journal.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "search", description = "Find requests by key, team, model, agent, outcome, time or captured text.",
    mixinStandardHelpOptions = true)
public final class SearchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--text", paramLabel = "S", description = "Text within the captured request or answer.")
    String text;

    @Option(names = "--key", paramLabel = "K", description = "Key id.")
    String key;

    @Option(names = "--team", paramLabel = "T", description = "Team.")
    String team;

    @Option(names = "--model", paramLabel = "M", description = "Model alias as requested, or model as served.")
    String model;

    @Option(names = "--agent", paramLabel = "A",
        description = "Agent called: NAME, or NAME@VERSION for the requests one version served.")
    String agent;

    @Option(names = "--outcome", paramLabel = "O", description = "Outcome: ok, client_cancelled, rejected, ...")
    String outcome;

    @Option(names = "--since", paramLabel = "TIME",
        description = "Only requests at or after TIME: ISO-8601 instant or date, or an age like 15m, 2h, 1d.")
    String since;

    @Option(names = "-n", paramLabel = "N", description = "Print at most the last N matches (default: ${DEFAULT-VALUE}).")
    int limit = 1000;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    // Seam for tests: "now" for relative --since.
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        long sinceMicros = Long.MIN_VALUE;
        if (since != null) {
            try {
                sinceMicros = SinceParser.parseMicros(since, clock);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }
        if (limit < 0) {
            throw new ParameterException(spec.commandLine(), "-n: " + limit + " (expected: >= 0)");
        }
        List<Path> journals = data.journals(spec);
        if (journals == null) {
            return 1;
        }
        long from = sinceMicros;
        Predicate<RequestRecord> keep = r -> r.wallTimeMicros() >= from
            && (key == null || key.equals(r.keyId()))
            && (team == null || team.equals(r.team()))
            && (agent == null || agent.equals(r.agent()) || agent.equals(r.agent() + "@" + r.agentVersion()));
        String needle = text == null ? null : text.toLowerCase(Locale.ROOT);
        ArrayDeque<RequestHistory> matches = new ArrayDeque<>();
        new ContentScan().scan(journals, keep, needle != null, h -> {
            if (h.matches(model, outcome, needle)) {
                matches.addLast(h);
                if (matches.size() > limit) {
                    matches.removeFirst();
                }
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        EntryFormatter formatter = new EntryFormatter(json);
        if (!json && !matches.isEmpty()) {
            out.println(formatter.header());
        }
        for (RequestHistory h : matches) {
            out.println(formatter.format(h.entry()));
        }
        out.flush();
        spec.commandLine().getErr().println(matches.size() + " requests matched");
        spec.commandLine().getErr().flush();
        return 0;
    }
}
