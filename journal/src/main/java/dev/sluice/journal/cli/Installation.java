package dev.sluice.journal.cli;

import java.nio.file.Path;

/**
 * Where the command line finds an installation's files when none is named: the installation directory is the system
 * property {@value #HOME_PROPERTY} (the {@code sluice} launcher sets it to its own directory), else the working
 * directory. Its configuration file is {@value #CONFIG_FILE} in it; without one, its data directory is
 * {@code $SLUICE_DATA_DIR}, else {@code data} in it.
 * <p>
 * Thread-safe (stateless).
 */
public final class Installation {
    /** The system property naming the installation directory. */
    public static final String HOME_PROPERTY = "sluice.home";
    /** The configuration file, relative to the installation directory. */
    public static final String CONFIG_FILE = "conf/sluice.yaml";
    /** The environment variable naming the data directory when no configuration file says it. */
    public static final String DATA_DIR_ENV = "SLUICE_DATA_DIR";

    private Installation() {
    }

    /** The installation directory: {@value #HOME_PROPERTY}, else the working directory (the empty path). */
    public static Path home() {
        String home = System.getProperty(HOME_PROPERTY);
        return Path.of(home == null || home.isEmpty() ? "" : home);
    }

    /** The configuration file used when none is named: {@value #CONFIG_FILE} in {@link #home()}. */
    public static Path configFile() {
        return home().resolve(CONFIG_FILE);
    }

    /**
     * The data directory when neither an option nor a configuration file names one: {@code $SLUICE_DATA_DIR}, else
     * {@code data}, relative to {@link #home()}.
     */
    public static Path dataDirWithoutConfig() {
        String env = System.getenv(DATA_DIR_ENV);
        return home().resolve(env == null || env.isEmpty() ? "data" : env);
    }
}
