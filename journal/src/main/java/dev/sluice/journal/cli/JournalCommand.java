package dev.sluice.journal.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code journal}: the audit journal verbs. Without a subcommand it prints its usage. Meant to be added as a
 * subcommand of the {@code sluice} command; {@link #main} runs it on its own.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "journal", description = "Read the audit journal.", mixinStandardHelpOptions = true,
    subcommands = {TailCommand.class, ShowCommand.class, SearchCommand.class, ExportCommand.class,
        VerifyCommand.class, CompactCommand.class})
public final class JournalCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new JournalCommand()).execute(args));
    }
}
