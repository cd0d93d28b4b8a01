package dev.sluice.journal.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the journal verbs take from a gateway's configuration file when their options do not say: its data
 * directory, the journal's signing key file and {@code journal.retention}. The journal module cannot read that file
 * itself; the {@code sluice} command, which can, gives the verbs an implementation.
 */
@FunctionalInterface
public interface ConfigDefaults {
    /**
     * Reads {@code configFile}.
     *
     * @throws IOException when it cannot be read or is not a valid configuration (the message says why)
     */
    Defaults read(Path configFile) throws IOException;

    /**
     * The settings of one configuration: its data directory, the journal's signing key file (null: the default one
     * in the data directory) and {@code journal.retention} (records null: keep every cycle).
     */
    record Defaults(Path dataDir, Path keyFile, Duration bodiesOlderThan, Duration recordsOlderThan) {
    }
}
