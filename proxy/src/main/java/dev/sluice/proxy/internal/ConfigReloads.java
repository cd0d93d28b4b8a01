package dev.sluice.proxy.internal;

import java.util.concurrent.CompletableFuture;

/** Reloading the configuration file, for the admin API. Thread-safe. */
public interface ConfigReloads {
    /** Re-reads, validates and applies the file, off the event loops; completes with the outcome. */
    CompletableFuture<Outcome> reload();

    /** Returns the message of the last reload that failed, or {@code null} when the last one succeeded. */
    String lastError();

    /**
     * What a reload did.
     *
     * @param applied whether a new snapshot is now in use
     * @param version the snapshot in use afterwards
     * @param message why nothing was applied (file, line, field), or what needs a restart; may be null
     */
    record Outcome(boolean applied, String version, String message) {
    }
}
