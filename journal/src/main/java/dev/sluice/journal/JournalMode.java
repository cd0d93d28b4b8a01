package dev.sluice.journal;

/**
 * How a producer's records reach the queue file. Thread-safe (immutable).
 */
public enum JournalMode {
    /**
     * The producer encodes into its own ring and the journal thread copies records into the queue: the producer
     * never touches the file, and a record is durable shortly after {@code append} returns.
     */
    HANDOFF,
    /**
     * The producer appends to the queue itself: the record is durable when {@code append} returns, with no
     * hand-off, wake-up or wait; appends from several threads take Chronicle's write lock in turn. A writer may
     * take the page fault of a fresh queue page (Chronicle Queue's open-source edition has no pretoucher).
     * Measured cheaper on a 2-core machine (bench/RESULTS.md).
     */
    DIRECT
}
