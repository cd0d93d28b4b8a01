package dev.sluice.journal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import dev.sluice.journal.JournalReader;

/**
 * Finds the journals the reading verbs read as one: each {@code --data-dir} is a gateway's data directory (its
 * journal in {@code journal/}), a journal directory itself, or a directory holding one data directory (or journal)
 * per node, as a cluster's journals are gathered for reading.
 * <p>
 * Thread-safe (stateless).
 */
final class DataDirs {
    private DataDirs() {
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
