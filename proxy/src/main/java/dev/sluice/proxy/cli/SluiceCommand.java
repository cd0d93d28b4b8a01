package dev.sluice.proxy.cli;

import dev.sluice.journal.cli.CompactCommand;
import dev.sluice.journal.cli.DataDirs;
import dev.sluice.journal.cli.JournalCommand;
import dev.sluice.journal.cli.SpendCommand;
import dev.sluice.mock.MockProviderCommand;
import dev.sluice.proxy.Version;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code sluice} command: {@code serve}, {@code journal}, {@code keys}, {@code agents}, {@code eval},
 * {@code spend}, {@code mock-provider}.
 */
@Command(name = "sluice", mixinStandardHelpOptions = true, version = "sluice " + Version.VERSION,
        description = "A self-hosted LLM gateway: OpenAI- and Anthropic-compatible, streaming, journaled.",
        subcommands = {ServeCommand.class, JournalCommand.class, KeysCommand.class, AgentsCommand.class,
                EvalCommand.class, SpendCommand.class, MockProviderCommand.class})
public final class SluiceCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * The {@code sluice} command line: the journal verbs and {@code spend} take their defaults (the data directory,
     * and for {@code journal compact} the signing key and retention) from the gateway's configuration file
     * ({@link JournalDefaults}).
     */
    public static CommandLine commandLine() {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        return new CommandLine(new SluiceCommand(), new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                if (type == CompactCommand.class) {
                    return type.cast(new CompactCommand(JournalDefaults::read));
                }
                return type == DataDirs.class ? type.cast(new DataDirs(JournalDefaults::read)) : defaults.create(type);
            }
        });
    }

    public static void main(String[] args) {
        int code = commandLine().execute(args);
        if (code != 0 || !ServeCommand.RUNNING.get()) {
            System.exit(code);
        }
    }
}
