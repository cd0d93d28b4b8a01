package dev.sluice.proxy.cli;

import dev.sluice.journal.cli.CompactCommand;
import dev.sluice.routing.config.ConfigException;
import dev.sluice.routing.config.ConfigLoader;
import dev.sluice.routing.config.GatewayConfig;
import dev.sluice.routing.config.JournalPolicy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code sluice journal compact} takes from the gateway's configuration file: its {@code data_dir}, the
 * journal's signing key file and {@code journal.retention}, read and validated as the gateway reads them (the
 * same file, the same environment).
 * <p>
 * Thread-safe (stateless).
 */
final class CompactDefaults {
    private CompactDefaults() {
    }

    static CompactCommand.Defaults read(Path configFile) throws IOException {
        GatewayConfig config;
        try {
            config = ConfigLoader.load(configFile, System.getenv());
        } catch (ConfigException e) {
            throw new IOException("invalid configuration: " + e.getMessage(), e);
        }
        JournalPolicy journal = config.journal();
        return new CompactCommand.Defaults(config.dataDir(), journal.signingKeyFile(),
                Duration.ofDays(journal.bodyRetentionDays()), Duration.ofDays(journal.recordRetentionDays()));
    }
}
