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
 * read as one. Without the option, the data directory is the one the installation's gateway uses: the
 * {@code data_dir} of its configuration file ({@link Installation#configFile()}), read through the
 * {@link ConfigDefaults} given, else {@link Installation#dataDirWithoutConfig()}.
 * <p>
 * Confined to the command-line thread.
 */
public final class DataDirs {
    @Option(names = "--data-dir", paramLabel = "PATH",
        description = "Data directory; repeat it, or name a directory holding one per node, to read several gateways' "
            + "journals as one (default: the data_dir of " + Installation.CONFIG_FILE + " in the installation, else "
            + "$" + Installation.DATA_DIR_ENV + ", else data there).")
    List<Path> dataDirs = new ArrayList<>();

    private final ConfigDefaults configDefaults;

    /** Without {@code --data-dir}, {@link Installation#dataDirWithoutConfig()}: no configuration file is read. */
    public DataDirs() {
        this(null);
    }

    /** Without {@code --data-dir}, the data directory the installation's configuration file names, if it exists. */
    public DataDirs(ConfigDefaults configDefaults) {
        this.configDefaults = configDefaults;
    }

    /** The journal directories named, or null after saying on the command's stderr which one holds no journal. */
    List<Path> journals(CommandSpec spec) {
        try {
            return journals(dataDirs());
        } catch (IllegalArgumentException | IOException e) {
            spec.commandLine().getErr().println(e.getMessage());
            spec.commandLine().getErr().flush();
            return null;
        }
    }

    /**
     * The data directories given, else the default one.
     *
     * @throws IOException when the installation's configuration file cannot be read (the message says why)
     */
    List<Path> dataDirs() throws IOException {
        return dataDirs.isEmpty() ? List.of(defaultDataDir(configDefaults)) : dataDirs;
    }

    /**
     * The data directory of the installation: the {@code data_dir} of {@link Installation#configFile()} when it
     * exists and {@code configDefaults} is given, else {@link Installation#dataDirWithoutConfig()}.
     *
     * @throws IOException when that configuration file cannot be read or is invalid
     */
    static Path defaultDataDir(ConfigDefaults configDefaults) throws IOException {
        Path config = Installation.configFile();
        if (configDefaults == null || !Files.isRegularFile(config)) {
            return Installation.dataDirWithoutConfig();
        }
        try {
            return configDefaults.read(config).dataDir();
        } catch (IOException e) {
            throw new IOException(e.getMessage() + " (or name the data directory with --data-dir)", e);
        }
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
