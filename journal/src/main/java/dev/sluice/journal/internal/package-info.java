/**
 * The journal's machinery over Chronicle Queue, not API (public only for {@code dev.sluice.journal}; no other module
 * may name it): the directory layout of one queue per writer ({@link Partitions}); all-or-nothing document writes
 * ({@link ChronicleWrites}); the hand-off path, a single-producer ring in direct memory per producer
 * ({@link ProducerRing}) drained by the journal thread ({@link JournalAgent}, idling with
 * {@link ParkingIdleStrategy}); the merge of every partition by wall time for readers ({@link MergedTailer}); the
 * record header and string encoding ({@link RecordLayout}, {@link Utf8Field}, {@link StringTable}); roll cycle
 * names ({@link RollCycleNames}); and the {@code gateway.pid} file that tells a request in flight from an
 * interrupted one ({@link GatewayPidFile}).
 * <p>
 * No Netty: records are encoded with agrona buffers. A record is never half visible (a failed document is rolled
 * back), and the hand-off path never reports a record durable before it is in the queue file.
 * <p>
 * Threading: each appender and each tailer has one owning thread. {@link JournalAgent#doWork()} runs on the journal
 * thread ({@code sluice-journal}); ring writes run on their producer's thread; {@link ProducerRing#isDurable},
 * {@link ParkingIdleStrategy#wake()} and the counters may be called from any thread; {@link Partitions},
 * {@link RecordLayout} and {@link GatewayPidFile} are stateless.
 */
package dev.sluice.journal.internal;
