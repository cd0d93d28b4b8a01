package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.journal.JournalReader;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The {@code --data-dir} option of the verbs that read journals (a picocli mixin), and how it finds them: each
 * {@code --data-dir} is a gateway's data directory (its journal in {@code journal/}), a journal directory itself, or
 * a directory holding one data directory per node, as a cluster's journals are gathered for reading; several are
 * read as one.
 * <p>
 * Confined to the command-line thread.
 */
final class DataDirs {
    @Option(names = "--data-dir", paramLabel = "PATH",
        description = "Data directory; repeat it, or name a directory holding one per node, to read several gateways' "
            + "journals as one (default: $SLUICE_DATA_DIR, else data).")
    List<Path> dataDirs = new ArrayList<>(List.of(TailCommand.defaultDataDir()));

    /** The journal directories named, or null after saying on the command's stderr which one holds no journal. */
    List<Path> journals(CommandSpec spec) {
        try {
            return journals(dataDirs);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return null;
        }
    }

    /** The data directories as given. */
    List<Path> dataDirs() {
        return dataDirs;
    }

    /**
     * The journal directories of {@code dataDirs}, in order.
     *
     * @throws IllegalArgumentException naming the first data directory in which no journal is found
     */
    static List<Path> journals(List<Path> dataDirs) {
        List<Path> out = new ArrayList<>();
        for (Path dataDir : dataDirs) {
            List<Path> found = journals(dataDir);
            if (found.isEmpty()) {
                throw new IllegalArgumentException("no journal in " + dataDir.resolve("journal"));
            }
            out.addAll(found);
        }
        return out;
    }

    private static List<Path> journals(Path dataDir) {
        if (JournalReader.isJournal(dataDir.resolve("journal"))) {
            return List.of(dataDir.resolve("journal"));
        }
        if (JournalReader.isJournal(dataDir)) {
            return List.of(dataDir);
        }
        List<Path> nodes = new ArrayList<>();
        if (!Files.isDirectory(dataDir)) {
            return nodes;
        }
        try (Stream<Path> children = Files.list(dataDir)) {
            for (Path child : children.filter(Files::isDirectory).sorted().toList()) {
                if (JournalReader.isJournal(child.resolve("journal"))) {
                    nodes.add(child.resolve("journal"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir, e);
        }
        return nodes;
    }
}
