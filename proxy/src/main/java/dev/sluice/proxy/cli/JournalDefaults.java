package dev.sluice.proxy.cli;

import dev.sluice.journal.cli.ConfigDefaults;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.JournalPolicy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the {@code sluice journal} verbs and {@code sluice spend} take from the gateway's configuration file: its
 * {@code data_dir}, the journal's signing key file and {@code journal.retention}, read and validated as the gateway
 * reads them (the same file, the same environment, relative paths relative to the file's directory).
 * <p>
 * Thread-safe (stateless).
 */
final class JournalDefaults {
    private JournalDefaults() {
    }

    static ConfigDefaults.Defaults read(Path configFile) throws IOException {
        GatewayConfig config;
        try {
            config = ConfigLoader.load(configFile, System.getenv());
        } catch (ConfigException e) {
            throw new IOException("invalid configuration: " + e.getMessage(), e);
        }
        JournalPolicy journal = config.journal();
        return new ConfigDefaults.Defaults(config.dataDir(), journal.signingKeyFile(),
                Duration.ofDays(journal.bodyRetentionDays()), Duration.ofDays(journal.recordRetentionDays()));
    }
}
