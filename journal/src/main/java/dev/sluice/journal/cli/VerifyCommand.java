package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import dev.sluice.journal.JournalVerifier;
import dev.sluice.journal.JournalVerifier.VerifyReport;
import dev.sluice.journal.internal.JournalSigner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    /** Left null for the command line's factory to make: the {@code sluice} command's reads its configuration. */
    @Mixin
    DataDirs data;

    @Option(names = "--key", paramLabel = "FILE",
        description = "The signing key file, or its .pub twin (default: " + DEFAULT_KEY_FILE
            + " beside each journal directory).")
    Path keyFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Path> journals = data.journals(spec);
        if (journals == null) {
            return 1;
        }
        Map<Path, JournalSigner> keys = new HashMap<>();
        List<Path> missing = new ArrayList<>();
        for (Path journal : journals) {
            // Each gateway signs its own journal with the key beside it, unless one key is named for all.
            Path key = keyFile != null ? keyFile : journal.toAbsolutePath().getParent().resolve(DEFAULT_KEY_FILE);
            if (!Files.exists(key)) {
                missing.add(key);
                continue;
            }
            try {
                keys.put(journal, JournalSigner.load(key));
            } catch (IOException e) {
                err.println(e.getMessage());
                err.flush();
                return 1;
            }
        }
        VerifyReport report = new JournalVerifier(keys::get).verify(journals);
        boolean unchecked = !missing.isEmpty() && report.seals() > 0 && !report.broken();
        if (unchecked) {
            out.println("cannot check the seals of " + missing.size() + " journals: no signing key at "
                + missing.get(0) + (missing.size() > 1 ? " and others" : "") + " (give it with --key)");
        }
        out.println(report.summary());
        out.flush();
        return report.broken() || unchecked ? 1 : 0;
    }
}
