package dev.sluice.routing.evals;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An evaluation set ({@code conf/evals/NAME.yaml}): its cases and how to run them. Its version is the content hash
 * of its file, so every score can name the exact set that produced it.
 *
 * @param name        the file's name without {@code .yaml}
 * @param version     12 hex digits of the SHA-256 of the file
 * @param description free text, or null
 * @param target      the default target ({@code agent/NAME[@LABEL]} or a model alias), or null
 * @param samples     how many times each case is sent by default
 * @param concurrency how many requests are in flight at most by default
 * @param cases       at least one
 */
public record EvalSet(String name, String version, String description, String target, int samples,
                      int concurrency, List<EvalCase> cases) {
    /** The directory of evaluation sets, beside the configuration file. */
    public static final String DIR = "evals";

    public EvalSet {
        requireNonNull(name, "name");
        requireNonNull(version, "version");
        cases = List.copyOf(cases);
    }
}
