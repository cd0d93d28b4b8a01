package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The journal as the ledger: what each finished request since a time used, for rebuilding budget counters at
 * startup (no database needed on a single node). Reads only the fields spend needs straight from the record
 * bytes; per entry it allocates the entry and nothing else (tag strings are shared across entries).
 * <p>
 * Thread-safe (stateless); a read is confined to the calling thread.
 */
public final class SpendLedger {
    private SpendLedger() {
    }

    /**
     * Reports to {@code sink}, in the order their end records were written, every request with a wall time at
     * or after {@code sinceMs} (epoch milliseconds) that has an end record. Interrupted requests are included
     * (recovery wrote their end); requests still in flight are not. Works while a gateway writes the journal.
     *
     * @throws IllegalArgumentException when {@code journalDir} holds no journal
     */
    public static void read(Path journalDir, long sinceMs, Consumer<SpendEntry> sink) {
        requireNonNull(sink, "sink");
        try (SpendScanner scanner = SpendScanner.open(journalDir)) {
            scanner.scan(toMicros(sinceMs), row -> sink.accept(new SpendEntry(
                Math.floorDiv(row.wallTimeMicros, 1000L), row.keyId, row.team, row.project, row.useCase, row.model,
                row.agent, row.costMicros, row.tokensIn, row.tokensOut, row.shadowSource)));
        }
    }

    /** Epoch milliseconds as microseconds, saturating (so {@code Long.MIN_VALUE} means "from the start"). */
    static long toMicros(long millis) {
        if (millis <= Long.MIN_VALUE / 1000) {
            return Long.MIN_VALUE;
        }
        if (millis >= Long.MAX_VALUE / 1000) {
            return Long.MAX_VALUE;
        }
        return millis * 1000;
    }
}
