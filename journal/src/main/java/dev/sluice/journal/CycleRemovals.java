package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HexFormat;

import dev.sluice.journal.internal.Chain;
import dev.sluice.journal.internal.ChronicleWrites;
import dev.sluice.journal.internal.CyclePlan;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Removes whole cycles past the record retention, each one recorded first: an admin record (action
 * {@value #ACTION}) in the {@value #PARTITION} partition, which only the compactor writes, chained and sealed like
 * every partition, naming the partition and cycle file, the records it held and the original chain heads before
 * and after it. A partition whose oldest cycles are gone starts at a seal, whose signed head anchors the rest
 * ({@link JournalVerifier}). A kill between the record and the deletion leaves the cycle in place; the next run
 * removes it and records it again.
 * <p>
 * Confined to the compacting thread.
 */
final class CycleRemovals implements AutoCloseable {
    /** The partition of the removal records. */
    static final String PARTITION = "compaction";
    /** The admin action of a removal record. */
    static final String ACTION = "journal.cycle.remove";

    private final Path journalDir;
    private final JournalSigner signer;
    private final Clock clock;
    private final UnsafeBuffer scratch = new UnsafeBuffer(new byte[8 * 1024]);
    private SingleChronicleQueue queue;
    private ChronicleWrites writes;

    CycleRemovals(Path journalDir, JournalSigner signer, Clock clock) {
        this.journalDir = requireNonNull(journalDir, "journalDir");
        this.signer = requireNonNull(signer, "signer");
        this.clock = requireNonNull(clock, "clock");
    }

    /** Records the removal of {@code file} (cycle {@code cycle} of {@code partition}, planned as {@code plan}), then deletes it. */
    void remove(String partition, Path file, int cycle, CyclePlan plan, RollCycle rollCycle) throws IOException {
        if (writes == null) {
            queue = Partitions.openForWriting(journalDir, PARTITION, rollCycle);
            writes = new ChronicleWrites(queue, Chain.recover(queue, signer, clock));
        }
        HexFormat hex = HexFormat.of();
        AdminRecord record = new AdminRecord(Journal.nowMicros(clock), "compactor", ACTION,
            partition + "/" + file.getFileName(), AdminOutcome.OK, "cycle=" + cycle + " records="
            + plan.inputRecords() + " head_before=" + hex.formatHex(plan.anchor()) + " head_after="
            + hex.formatHex(plan.originalEnd()));
        writes.append(scratch.byteArray(), 0, record.encode(scratch, 0));
        Files.delete(file);
    }

    /** Lets readers that open {@code queueDir} from now on start at its first remaining cycle. */
    static void refreshListing(Path queueDir) {
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.single(queueDir.toFile()).build()) {
            queue.refreshDirectoryListing();
        }
    }

    /** Seals the removal records written and closes the partition. */
    @Override
    public void close() {
        if (writes != null) {
            try {
                writes.sealAndClose();
            } finally {
                queue.close();
            }
        }
    }
}
