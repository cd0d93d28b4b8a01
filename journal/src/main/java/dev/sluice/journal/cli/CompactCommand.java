package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.sluice.journal.JournalCompactor;
import dev.sluice.journal.JournalCompactor.CompactReport;
import dev.sluice.journal.JournalReader;
import dev.sluice.journal.internal.JournalSigner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code journal compact}: compacts the closed roll cycles of the journal in {@code <data-dir>/journal} while the
 * gateway writes it ({@link JournalCompactor}). Needs the signing key's private half, since rewritten cycles are
 * re-signed. A line per cycle goes to stderr, the summary (or {@code --json}: one JSON object) to stdout. Exit code
 * 0, or 1 on an error (no journal, no usable key, another compactor running, a file that cannot be written).
 * <p>
 * The retention ages, the data directory and the key come from the options given, else from the gateway's
 * configuration file ({@code --config}, or the installation's {@link Installation#configFile()} when it exists) when
 * the command was built with a {@link ConfigDefaults} (the {@code sluice} command is), else from the built-in
 * defaults.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "compact", description = "Fold response parts, drop old bodies, compress and re-sign closed cycles.",
    mixinStandardHelpOptions = true)
public final class CompactCommand implements Callable<Integer> {
    /** The body retention when neither an option nor a configuration gives one. */
    public static final String DEFAULT_BODIES_OLDER_THAN = "30d";
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    private final ConfigDefaults configDefaults;

    @Spec
    CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
        description = "The gateway's configuration: its data_dir, journal.signing_key_file and journal.retention are"
            + " the defaults of the options below (default: " + Installation.CONFIG_FILE + " in the installation,"
            + " when it exists).")
    Path config;

    @Option(names = "--data-dir", paramLabel = "PATH",
        description = "Data directory (default: the configuration's data_dir, else $" + Installation.DATA_DIR_ENV
            + ", else data in the installation).")
    Path dataDir;

    @Option(names = "--key", paramLabel = "FILE",
        description = "The signing key file, with its private key (default: the configuration's"
            + " journal.signing_key_file, else <data-dir>/" + VerifyCommand.DEFAULT_KEY_FILE + ").")
    Path keyFile;

    @Option(names = "--bodies-older-than", paramLabel = "AGE",
        description = "Drop the bodies of records older than this: 30s, 15m, 2h, 30d (default: the configuration's"
            + " journal.retention.bodies, else " + DEFAULT_BODIES_OLDER_THAN + ").")
    String bodiesOlderThan;

    @Option(names = "--records-older-than", paramLabel = "AGE",
        description = "Remove whole cycles that ended longer ago than this, each recorded in the compaction"
            + " partition (default: the configuration's journal.retention.records, else keep every cycle).")
    String recordsOlderThan;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    /** A command that does not read configuration files: options, else built-in defaults. */
    public CompactCommand() {
        this(null);
    }

    /** A command that takes its defaults from the gateway's configuration file through {@code configDefaults}. */
    public CompactCommand(ConfigDefaults configDefaults) {
        this.configDefaults = configDefaults;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            ConfigDefaults.Defaults fromConfig = configDefaults(err);
            Path data = dataDir != null ? dataDir : fromConfig != null ? fromConfig.dataDir()
                : Installation.dataDirWithoutConfig();
            Path journalDir = data.resolve("journal");
            if (!JournalReader.isJournal(journalDir)) {
                throw new IOException("no journal in " + journalDir);
            }
            Duration bodies = bodiesOlderThan != null ? parseAge(bodiesOlderThan)
                : fromConfig != null ? fromConfig.bodiesOlderThan() : parseAge(DEFAULT_BODIES_OLDER_THAN);
            Duration records = recordsOlderThan != null ? parseAge(recordsOlderThan)
                : fromConfig != null ? fromConfig.recordsOlderThan() : null;
            Path key = keyFile != null ? keyFile : fromConfig != null && fromConfig.keyFile() != null
                ? fromConfig.keyFile() : data.resolve(VerifyCommand.DEFAULT_KEY_FILE);
            if (!Files.exists(key)) {
                throw new IOException("signing key: " + key + " does not exist (expected: the journal's key file,"
                    + " give it with --key)");
            }
            JournalSigner signer = JournalSigner.load(key);
            if (!signer.canSign()) {
                throw new IOException("signing key: " + key + " holds the public key only (expected: the private"
                    + " key too: compaction re-signs the cycles it rewrites)");
            }
            err.println("compact: " + journalDir + ", bodies older than " + describe(bodies) + " dropped, cycles "
                + (records == null ? "all kept" : "older than " + describe(records) + " removed"));
            CompactReport report = new JournalCompactor(signer, Clock.systemUTC(), bodies, records, err)
                .compact(journalDir);
            out.println(json ? report.toJson() : report.summary());
            out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("compact: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    /** The configuration's defaults: of {@code --config}, else of the installation's configuration when it exists. */
    private ConfigDefaults.Defaults configDefaults(PrintWriter err) throws IOException {
        Path file = config != null ? config : Installation.configFile();
        if (config == null && (configDefaults == null || !Files.isRegularFile(file))) {
            return null;
        }
        if (configDefaults == null) {
            throw new IOException("--config: this command reads no configuration (run it as sluice journal compact)");
        }
        ConfigDefaults.Defaults d = configDefaults.read(file);
        err.println("compact: defaults from " + file);
        return d;
    }

    private static String describe(Duration age) {
        return age.toDays() > 0 && age.toHours() % 24 == 0 ? age.toDays() + "d" : age.toString();
    }

    /** An age such as {@code 30d}. */
    static Duration parseAge(String text) {
        Matcher m = AGE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("age: " + text + " (expected: a number and s, m, h or d, e.g. 30d)");
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "s": return Duration.ofSeconds(n);
            case "m": return Duration.ofMinutes(n);
            case "h": return Duration.ofHours(n);
            default: return Duration.ofDays(n);
        }
    }
}
