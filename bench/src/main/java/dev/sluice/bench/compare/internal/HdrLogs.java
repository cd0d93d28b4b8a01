package dev.sluice.bench.compare.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.bench.internal.TempDirs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.Collection;

/**
 * The HdrHistogram interval logs of a comparison (one per load run, written by the load driver): in {@value #DIR}/
 * beside {@code compare.json}, named {@code <target>-<scenario>[-<part>].hlog} and listed in its rows by those
 * relative paths. A run that is measured again (a disturbed run) writes into an attempt directory of its own, and
 * only the attempt that is kept moves into place. {@link #keepRun} copies a reported run's {@code compare.json} and
 * logs into a directory that git tracks. Confined to the comparison's main thread.
 */
public final class HdrLogs {
    /** The logs' directory, relative to the directory of {@code compare.json}. */
    public static final String DIR = "hdr";
    private static final String SUFFIX = ".hlog";
    private static final String ATTEMPT_PREFIX = ".attempt-";

    private final Path dir;

    /** The logs beside the report {@code resultsDir}/compare.json: {@code resultsDir}/{@value #DIR}. */
    public HdrLogs(Path resultsDir) {
        this.dir = requireNonNull(resultsDir, "resultsDir").resolve(DIR);
    }

    /** Where the kept logs are. */
    public Path dir() {
        return dir;
    }

    /** Creates the directory and deletes the logs and attempt directories an earlier comparison left in it. */
    public void reset() throws IOException {
        Files.createDirectories(dir);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX) && Files.isRegularFile(p)) {
                    Files.delete(p);
                } else if (name.startsWith(ATTEMPT_PREFIX) && Files.isDirectory(p)) {
                    TempDirs.deleteRecursively(p);
                }
            }
        }
    }

    /**
     * The file name of one load run's log: {@code <target>-<scenario>.hlog}, or with a {@code part} (the second run
     * of a scenario, or a step) {@code <target>-<scenario>-<part>.hlog}.
     */
    public static String name(String target, String scenario, String part) {
        requireNonNull(target, "target");
        requireNonNull(scenario, "scenario");
        return target + "-" + scenario + (part == null || part.isEmpty() ? "" : "-" + part) + SUFFIX;
    }

    /** The path {@code compare.json} lists for the log {@code name}: relative to its own directory. */
    public static String listed(String name) {
        return DIR + "/" + name;
    }

    /** The directory attempt {@code attempt} (0 for the first) of a run writes its logs into; created. */
    public Path attemptDir(int attempt) throws IOException {
        return Files.createDirectories(dir.resolve(ATTEMPT_PREFIX + attempt));
    }

    /**
     * Moves the logs {@code names} of attempt {@code attempt} into place (replacing those of an earlier run of the
     * same target and scenario) and deletes that attempt's directory.
     */
    public void keep(int attempt, Collection<String> names) throws IOException {
        Path from = dir.resolve(ATTEMPT_PREFIX + attempt);
        for (String n : names) {
            Path f = from.resolve(n);
            if (Files.exists(f)) {
                Files.move(f, dir.resolve(n), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        discard(attempt);
    }

    /** Deletes attempt {@code attempt}'s directory with what is left in it. */
    public void discard(int attempt) throws IOException {
        Path p = dir.resolve(ATTEMPT_PREFIX + attempt);
        if (Files.isDirectory(p)) {
            TempDirs.deleteRecursively(p);
        }
    }

    /**
     * Copies {@code report} and the logs {@code names} (those its rows list) into {@code runDir}, as
     * {@code runDir/compare.json} and {@code runDir/}{@value #DIR}{@code /<name>}, so that the listed paths still
     * resolve there. Returns {@code runDir}.
     *
     * @throws IOException when {@code runDir} already holds a {@code compare.json}, so a kept run is never mixed
     *                     with another
     */
    public Path keepRun(Path report, Collection<String> names, Path runDir) throws IOException {
        Path target = runDir.resolve("compare.json");
        if (Files.exists(target)) {
            throw new IOException("keep-logs: " + runDir + " already holds a kept run (expected: a new directory)");
        }
        Path logs = Files.createDirectories(runDir.resolve(DIR));
        Files.copy(report, target);
        for (String n : names) {
            Files.copy(dir.resolve(n), logs.resolve(n), StandardCopyOption.REPLACE_EXISTING);
        }
        return runDir;
    }

    /** The first {@code runsDir/<date>-<n>} (n = 1, 2, ...) that does not exist yet. */
    public static Path nextRunDir(Path runsDir, LocalDate date) {
        for (int n = 1; ; n++) {
            Path p = runsDir.resolve(date + "-" + n);
            if (!Files.exists(p)) {
                return p;
            }
        }
    }
}
