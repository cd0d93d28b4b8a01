/**
 * The audit journal: a directory of Chronicle queues the gateway writes and the command line reads. {@link Journal}
 * opens it (recovery, then a {@link BootRecord}), gives each writing thread a {@link JournalProducer} with a
 * partition of its own, and appends {@link ConfigRecord}s and {@link AdminRecord}s itself. {@link RequestRecord}
 * (written before any response byte) and {@link EndRecord} (outcome, attempts, timings, tokens, cost) are the
 * schema; {@link JournalReader} merges the partitions in wall-time order, and {@link SpendLedger} and
 * {@link SpendReport} read the journal as the ledger that budgets and spend reports are rebuilt from.
 * <p>
 * No Netty, so never a pooled buffer: records are reusable flyweights copied into the journal during
 * {@code append}. Records hold ids, tags, models and numbers, no request or response body and no secret. Chronicle,
 * the partition layout and the journal thread are in {@code dev.sluice.journal.internal}, which is not API.
 * <p>
 * Threading: {@link Journal} is thread-safe. A {@link JournalProducer} is confined to one event loop, which writes
 * its own queue ({@link JournalMode#DIRECT}) or hands records to the journal thread, {@code sluice-journal}
 * ({@link JournalMode#HANDOFF}). Configuration and admin records come from threads that are not event loops, under
 * the journal's lock; a reader is confined to the thread that opened it.
 */
package dev.sluice.journal;
