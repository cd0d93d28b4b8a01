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
 * Confined to the command-line thread.
 */
@Command(name = "compact", description = "Fold response parts, drop old bodies, re-sign closed cycles.",
    mixinStandardHelpOptions = true)
public final class CompactCommand implements Callable<Integer> {
    /** The body retention when none is given. */
    public static final String DEFAULT_BODIES_OLDER_THAN = "30d";
    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([smhd])");

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "PATH",
        description = "Data directory (default: $SLUICE_DATA_DIR, else data).")
    Path dataDir = TailCommand.defaultDataDir();

    @Option(names = "--key", paramLabel = "FILE",
        description = "The signing key file, with its private key (default: <data-dir>/"
            + VerifyCommand.DEFAULT_KEY_FILE + ").")
    Path keyFile;

    @Option(names = "--bodies-older-than", paramLabel = "AGE",
        description = "Drop the bodies of records older than this: 30s, 15m, 2h, 30d (default: "
            + DEFAULT_BODIES_OLDER_THAN + ").")
    String bodiesOlderThan = DEFAULT_BODIES_OLDER_THAN;

    @Option(names = "--records-older-than", paramLabel = "AGE",
        description = "Remove whole cycles that ended longer ago than this, each recorded in the compaction"
            + " partition (default: keep every cycle).")
    String recordsOlderThan;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path journalDir = dataDir.resolve("journal");
        try {
            if (!JournalReader.isJournal(journalDir)) {
                throw new IOException("no journal in " + journalDir);
            }
            Duration bodies = parseAge(bodiesOlderThan);
            Duration records = recordsOlderThan == null ? null : parseAge(recordsOlderThan);
            Path key = keyFile != null ? keyFile : dataDir.resolve(VerifyCommand.DEFAULT_KEY_FILE);
            if (!Files.exists(key)) {
                throw new IOException("signing key: " + key + " does not exist (expected: the journal's key file,"
                    + " give it with --key)");
            }
            JournalSigner signer = JournalSigner.load(key);
            if (!signer.canSign()) {
                throw new IOException("signing key: " + key + " holds the public key only (expected: the private"
                    + " key too: compaction re-signs the cycles it rewrites)");
            }
            CompactReport report = new JournalCompactor(signer, Clock.systemUTC(), bodies, records, err).compact(journalDir);
            out.println(json ? report.toJson() : report.summary());
            out.flush();
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("compact: " + e.getMessage());
            err.flush();
            return 1;
        }
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
