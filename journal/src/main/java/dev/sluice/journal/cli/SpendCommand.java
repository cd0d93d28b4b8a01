package dev.sluice.journal.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.Callable;

import dev.sluice.journal.SpendDimension;
import dev.sluice.journal.SpendReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code spend}: cost and tokens of the finished requests in the journal in {@code <data-dir>/journal}, grouped
 * by team, project, use case, key, model alias or day, with a total that equals the sum of the end records.
 * A table by default, {@code --json} or {@code --csv} for scripts. Exit code 0, or 1 when there is no journal.
 * Meant to be added as a subcommand of the {@code sluice} command.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "spend", description = "Report cost and tokens from the journal.", mixinStandardHelpOptions = true)
public final class SpendCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--by", paramLabel = "DIM",
        description = "Group by team, project, use-case, key, model, day, agent or agent-version (default: "
                + "${DEFAULT-VALUE}).")
    String by = "team";

    @Option(names = "--since", paramLabel = "TIME", description = "Requests at or after TIME: ISO-8601 date or"
        + " instant, or an age like 24h, 7d (default: the start of the current month in --tz).")
    String since;

    @Option(names = "--tz", paramLabel = "ZONE",
        description = "Time zone of days and of dates in --since (default: ${DEFAULT-VALUE}).")
    String tz = "UTC";

    @Option(names = "--json", description = "One JSON object.")
    boolean json;

    @Option(names = "--csv", description = "CSV with a header line; the last line is the total.")
    boolean csv;

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    // Seam for tests: "now" for relative --since and the default start of the month.
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        if (json && csv) {
            throw new ParameterException(spec.commandLine(), "--json and --csv: choose one");
        }
        SpendDimension dimension;
        ZoneId zone;
        try {
            dimension = SpendDimension.fromName(by);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--" + e.getMessage(), e);
        }
        try {
            zone = ZoneId.of(tz);
        } catch (DateTimeException e) {
            throw new ParameterException(spec.commandLine(), "--tz: " + tz + " (expected: a zone id like UTC,"
                + " Europe/Berlin or +02:00)", e);
        }
        long sinceMs = sinceMs(zone);
        List<Path> journalDirs = data.journals(spec);
        if (journalDirs == null) {
            return 1;
        }
        SpendReport report = SpendReport.read(journalDirs, dimension, sinceMs, zone);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? SpendFormatter.json(report) : csv ? SpendFormatter.csv(report) : SpendFormatter.table(report));
        out.flush();
        return 0;
    }

    private long sinceMs(ZoneId zone) {
        if (since == null) {
            LocalDate today = LocalDate.now(clock.withZone(zone));
            return today.withDayOfMonth(1).atStartOfDay(zone).toInstant().toEpochMilli();
        }
        try {
            return Math.floorDiv(SinceParser.parseMicros(since, clock, zone), 1000L);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    /** Runs {@code spend} on its own (the gateway adds it under {@code sluice}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SpendCommand()).execute(args));
    }
}
