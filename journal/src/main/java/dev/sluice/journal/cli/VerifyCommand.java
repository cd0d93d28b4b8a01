package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.sluice.journal.JournalReader;
import dev.sluice.journal.JournalVerifier;
import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.JournalSigner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code journal verify}: checks the hash chain and the signed seals of every partition of the journal in
 * {@code <data-dir>/journal} (several {@code --data-dir}: several gateways' journals). Exit code 0 when every chain
 * and seal holds, 1 otherwise (also when there is no journal, or seals cannot be checked for want of the key).
 * The last line says how many records were verified or where the first break is.
 * <p>
 * Confined to the command-line thread.
 */
@Command(name = "verify", description = "Check the journal's hash chains and signatures.", mixinStandardHelpOptions = true)
public final class VerifyCommand implements Callable<Integer> {
    /** The key file's name in the data directory, as in the shipped configuration. */
    public static final String DEFAULT_KEY_FILE = "journal-signing.key";

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "PATH",
        description = "Data directory; repeat it to verify several gateways' journals (default: $SLUICE_DATA_DIR, else data).")
    List<Path> dataDirs = new ArrayList<>(List.of(TailCommand.defaultDataDir()));

    @Option(names = "--key", paramLabel = "FILE",
        description = "The signing key file, or its .pub twin (default: <data-dir>/" + DEFAULT_KEY_FILE + ").")
    Path keyFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> journals = new ArrayList<>();
        for (Path dataDir : dataDirs) {
            Path journalDir = dataDir.resolve("journal");
            if (!JournalReader.isJournal(journalDir)) {
                err.println("no journal in " + journalDir);
                err.flush();
                return 1;
            }
            journals.add(journalDir);
        }
        Path key = keyFile != null ? keyFile : dataDirs.get(0).resolve(DEFAULT_KEY_FILE);
        JournalSigner signer = null;
        if (Files.exists(key)) {
            try {
                signer = JournalSigner.load(key);
            } catch (IOException e) {
                err.println(e.getMessage());
                err.flush();
                return 1;
            }
        }
        VerifyReport report = new JournalVerifier(signer).verify(journals);
        boolean unchecked = signer == null && report.seals() > 0 && !report.broken();
        if (unchecked) {
            out.println("cannot check " + report.seals() + " seals: no signing key at " + key + " (give it with --key)");
        }
        out.println(report.summary());
        out.flush();
        return report.broken() || unchecked ? 1 : 0;
    }
}
