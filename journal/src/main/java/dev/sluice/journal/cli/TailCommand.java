package dev.sluice.journal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

import dev.sluice.journal.JournalEntry;
import dev.sluice.journal.JournalReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code journal tail}: prints the last requests of the journal in {@code <data-dir>/journal} (or of several
 * gateways' journals, merged in time order), one line each,
 * and with {@code --follow} keeps printing requests as they finish; with {@code --admin}, the admin records
 * instead. Exit code 0, or 1 when there is no journal.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "tail", description = "Print the last requests (and follow new ones).", mixinStandardHelpOptions = true)
public final class TailCommand implements Callable<Integer> {
    /** Default number of requests printed. */
    public static final int DEFAULT_COUNT = 10;

    @Spec
    CommandSpec spec;

    @Option(names = "-n", paramLabel = "N", description = "Print the last N requests (default: ${DEFAULT-VALUE}).")
    int count = DEFAULT_COUNT;

    @Option(names = "--since", paramLabel = "TIME",
        description = "Only requests at or after TIME: ISO-8601 instant or date, or an age like 15m, 2h, 1d.")
    String since;

    @Option(names = {"-f", "--follow"}, description = "Keep printing requests as they finish, until interrupted.")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line.")
    boolean json;

    @Option(names = "--admin", description = "Admin records (key, team and config changes) instead of requests.")
    boolean admin;

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    // Seams for tests: the clock for relative --since, and how long --follow runs.
    Clock clock = Clock.systemUTC();
    BooleanSupplier followWhile = () -> true;

    @Override
    public Integer call() {
        if (count < 0) {
            throw new ParameterException(spec.commandLine(), "-n: " + count + " (expected: >= 0)");
        }
        long sinceMicros = Long.MIN_VALUE;
        if (since != null) {
            try {
                sinceMicros = SinceParser.parseMicros(since, clock);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage(), e);
            }
        }
        List<Path> journalDirs = data.journals(spec);
        if (journalDirs == null) {
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (admin) {
            try (JournalReader reader = JournalReader.open(journalDirs)) {
                new AdminTail(json, out).run(reader, count, sinceMicros, follow, followWhile);
            }
            return 0;
        }
        EntryFormatter formatter = new EntryFormatter(json);
        try (JournalReader reader = JournalReader.open(journalDirs)) {
            String header = formatter.header();
            if (follow) {
                if (header != null) {
                    out.println(header);
                    out.flush();
                }
                reader.follow(count, sinceMicros, e -> formatter.print(out, e), followWhile);
            } else {
                List<JournalEntry> entries = reader.last(count, sinceMicros);
                if (header != null && !entries.isEmpty()) {
                    out.println(header);
                }
                for (JournalEntry e : entries) {
                    out.println(formatter.format(e));
                }
                out.flush();
            }
        }
        return 0;
    }
}
