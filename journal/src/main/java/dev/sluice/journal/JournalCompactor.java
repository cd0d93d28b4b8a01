package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;

import dev.sluice.journal.internal.CompactionLock;
import dev.sluice.journal.internal.CycleFiles;
import dev.sluice.journal.internal.CyclePlan;
import dev.sluice.journal.internal.CycleWriter;
import dev.sluice.journal.internal.JournalSigner;
import dev.sluice.journal.internal.Partitions;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.util.FileState;
import net.openhft.chronicle.queue.util.FileUtil;
import net.openhft.chronicle.wire.DocumentContext;

/**
 * Compacts a journal offline while its gateway writes it ({@code sluice journal compact}): every closed roll
 * cycle of every partition is rewritten ({@link CyclePlan}: response parts folded into one record per request,
 * bodies past the body retention dropped, digests kept, the bodies kept stored deflated) and re-chained and signed ({@link CycleWriter}), in a work
 * directory, then moved over the original file with one atomic rename: a kill leaves either file, never a mix.
 * Never touched: a partition's latest cycle, and any cycle file Chronicle does not report closed (no process has it
 * open); the writer is never paused. A cycle compaction rewrote before is left as it is unless bodies have passed
 * the retention since, so a second run changes nothing. Whole cycles past the record retention are removed, each
 * recorded first ({@link CycleRemovals}). One compactor at a time per journal ({@link CompactionLock}).
 * <p>
 * Confined to the calling thread.
 */
public final class JournalCompactor {
    private final JournalSigner signer;
    private final Clock clock;
    private final Duration bodiesOlderThan;
    private final Duration recordsOlderThan;
    private final PrintWriter progress;

    /**
     * @param signer the journal's key, with its private half
     * @param bodiesOlderThan drop the bodies of records older than this, or null to keep every body
     * @param progress where a line per cycle goes, or null
     * @throws IllegalArgumentException when the key cannot sign
     */
    public JournalCompactor(JournalSigner signer, Clock clock, Duration bodiesOlderThan, PrintWriter progress) {
        this(signer, clock, bodiesOlderThan, null, progress);
    }

    /**
     * @param signer the journal's key, with its private half
     * @param bodiesOlderThan drop the bodies of records older than this, or null to keep every body
     * @param recordsOlderThan remove the cycles that ended longer ago than this ({@link CycleRemovals}), or null to
     *     keep every cycle
     * @param progress where a line per cycle goes, or null
     * @throws IllegalArgumentException when the key cannot sign
     */
    public JournalCompactor(JournalSigner signer, Clock clock, Duration bodiesOlderThan, Duration recordsOlderThan,
                            PrintWriter progress) {
        this.signer = requireNonNull(signer, "signer");
        this.clock = requireNonNull(clock, "clock");
        if (!signer.canSign()) {
            throw new IllegalArgumentException("signing key: public key only (expected: the private key, compaction"
                + " re-signs the cycles it rewrites)");
        }
        if (bodiesOlderThan != null && bodiesOlderThan.isNegative()) {
            throw new IllegalArgumentException("bodiesOlderThan: " + bodiesOlderThan + " (expected: >= 0)");
        }
        if (recordsOlderThan != null && recordsOlderThan.isNegative()) {
            throw new IllegalArgumentException("recordsOlderThan: " + recordsOlderThan + " (expected: >= 0)");
        }
        this.bodiesOlderThan = bodiesOlderThan;
        this.recordsOlderThan = recordsOlderThan;
        this.progress = progress;
    }

    /**
     * Compacts the journal in {@code journalDir}.
     *
     * @throws IOException when another compactor holds the journal, or a file cannot be read or written; the
     *     cycles compacted before the failure stay compacted, the others stay as they were
     */
    public CompactReport compact(Path journalDir) throws IOException {
        requireNonNull(journalDir, "journalDir");
        long cutoffMicros = bodiesOlderThan == null ? Long.MIN_VALUE
            : ChronoUnit.MICROS.between(Instant.EPOCH, clock.instant().minus(bodiesOlderThan));
        // Queues this process closed may still hold their files until released: let them go before asking
        // which files are open.
        BackgroundResourceReleaser.releasePendingResources();
        long recordCutoffMs = recordsOlderThan == null ? Long.MIN_VALUE
            : clock.instant().minus(recordsOlderThan).toEpochMilli();
        CompactReport report = new CompactReport();
        CycleWriter writer = new CycleWriter(signer, clock);
        try (CompactionLock lock = CompactionLock.acquire(journalDir);
             CycleRemovals removals = new CycleRemovals(journalDir, signer, clock)) {
            List<Path> partitions = new ArrayList<>(Partitions.find(journalDir));
            // The removal records are kept whole: their partition is neither rewritten nor removed.
            partitions.remove(journalDir.resolve(CycleRemovals.PARTITION));
            List<NavigableMap<Integer, Path>> cycles = new ArrayList<>();
            List<Set<Integer>> closed = new ArrayList<>();
            List<RollCycle> rollCycles = new ArrayList<>();
            for (Path queueDir : partitions) {
                RollCycle rollCycle;
                try (SingleChronicleQueue queue = Partitions.openForReading(queueDir)) {
                    rollCycle = queue.rollCycle();
                }
                NavigableMap<Integer, Path> files = CycleFiles.list(queueDir, rollCycle);
                Set<Integer> closedCycles = new HashSet<>();
                // The latest cycle is the one a writer writes or rolls into: never touched.
                for (Map.Entry<Integer, Path> e : files.headMap(files.isEmpty() ? 0 : files.lastKey()).entrySet()) {
                    if (FileUtil.state(e.getValue().toFile()) == FileState.CLOSED) {
                        closedCycles.add(e.getKey());
                    }
                }
                rollCycles.add(rollCycle);
                cycles.add(files);
                closed.add(closedCycles);
                report.cycles += Math.max(0, files.size() - 1);
            }
            for (int i = 0; i < partitions.size(); i++) {
                Cutoffs cutoffs = new Cutoffs(cutoffMicros, recordCutoffMs);
                if (compactPartition(journalDir, partitions.get(i), rollCycles.get(i), cycles.get(i), closed.get(i),
                    cutoffs, lock, writer, removals, report)) {
                    CycleRemovals.refreshListing(partitions.get(i));
                }
            }
        }
        return report;
    }

    /** The body and record retention as points in time. */
    private record Cutoffs(long bodyMicros, long recordMs) {
    }

    /** Compacts one partition; answers whether cycles were removed from it. */
    private boolean compactPartition(Path journalDir, Path queueDir, RollCycle rollCycle,
                                     NavigableMap<Integer, Path> files, Set<Integer> closed, Cutoffs cutoffs,
                                     CompactionLock lock, CycleWriter writer, CycleRemovals removals,
                                     CompactReport report) throws IOException {
        boolean removed = false;
        if (files.isEmpty()) {
            return false;
        }
        String partition = journalDir.relativize(queueDir).toString();
        String label = partition.isEmpty() ? "." : partition;
        byte[] previousEnd = new byte[32];
        try (SingleChronicleQueue queue = Partitions.openForReading(queueDir);
             ExcerptTailer tailer = queue.createTailer()) {
            for (Map.Entry<Integer, Path> e : files.headMap(files.lastKey()).entrySet()) {
                int cycle = e.getKey();
                Path file = e.getValue();
                report.done++;
                if (!closed.contains(cycle)) {
                    report.cyclesOpen++;
                    // Its end head is still needed by the cycle after it.
                    previousEnd = CyclePlan.heads(read(tailer, rollCycle, cycle), previousEnd).originalEnd();
                    progress(label, file, "skipped: open", report);
                    continue;
                }
                CyclePlan plan = CyclePlan.of(read(tailer, rollCycle, cycle), previousEnd, cutoffs.bodyMicros());
                previousEnd = plan.originalEnd();
                long before = CycleFiles.usedBytes(file);
                if ((cycle + 1L) * CycleFiles.lengthMs(rollCycle) <= cutoffs.recordMs()) {
                    removals.remove(label, file, cycle, plan, rollCycle);
                    removed = true;
                    report.cyclesRemoved++;
                    report.recordsRemoved += plan.inputRecords();
                    report.bytesBefore += before;
                    progress(label, file, "removed, " + before + " bytes, " + plan.inputRecords() + " records",
                        report);
                    continue;
                }
                report.records += plan.inputRecords();
                if (!plan.needsRewrite()) {
                    report.cyclesUnchanged++;
                    report.bytesBefore += before;
                    report.bytesAfter += before;
                    progress(label, file, plan.unchained() ? "kept: records without a chain" : "kept", report);
                    continue;
                }
                Path work = lock.workDir((partition.isEmpty() ? "root" : partition) + "." + cycle);
                Path rewritten = writer.write(work, rollCycle, cycle, plan, file.getFileName().toString());
                long after = CycleFiles.usedBytes(rewritten);
                // Trimmed and forced to disk before it replaces the original.
                CycleFiles.trim(rewritten);
                Files.move(rewritten, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                CompactionLock.deleteTree(work);
                report.cyclesRewritten++;
                report.partsFolded += plan.partsFolded();
                report.bodiesDropped += plan.bodiesDropped();
                report.bodiesCompressed += plan.bodiesCompressed();
                report.bytesBefore += before;
                report.bytesAfter += after;
                progress(label, file, "rewritten, " + before + " -> " + after + " bytes, " + plan.partsFolded()
                    + " parts folded, " + plan.bodiesDropped() + " bodies dropped, " + plan.bodiesCompressed()
                    + " compressed", report);
            }
        }
        return removed;
    }

    private static List<byte[]> read(ExcerptTailer tailer, RollCycle rollCycle, int cycle) {
        List<byte[]> docs = new ArrayList<>();
        if (!tailer.moveToCycle(cycle)) {
            return docs;
        }
        while (true) {
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent() || rollCycle.toCycle(dc.index()) != cycle) {
                    return docs;
                }
                Bytes<?> bytes = dc.wire().bytes();
                byte[] copy = new byte[(int) bytes.readRemaining()];
                bytes.read(copy);
                docs.add(copy);
            }
        }
    }

    private void progress(String partition, Path file, String what, CompactReport report) {
        if (progress != null) {
            progress.println("compact: " + report.done + "/" + report.cycles + " " + partition + "/"
                + file.getFileName() + " " + what);
            progress.flush();
        }
    }

    /**
     * What {@link #compact} did.
     * <p>
     * Confined to one thread.
     */
    public static final class CompactReport {
        long cycles;
        long done;
        long cyclesRewritten;
        long cyclesUnchanged;
        long cyclesOpen;
        long records;
        long partsFolded;
        long bodiesDropped;
        long bodiesCompressed;
        long bytesBefore;
        long bytesAfter;
        long cyclesRemoved;
        long recordsRemoved;

        /** Closed or open cycles looked at (every partition's cycles but its latest). */
        public long cycles() {
            return cycles;
        }

        /** Cycles rewritten by this run. */
        public long cyclesRewritten() {
            return cyclesRewritten;
        }

        /** Cycles with nothing to change (compacted before, or written before chains). */
        public long cyclesUnchanged() {
            return cyclesUnchanged;
        }

        /** Cycles not reported closed by Chronicle: left for a later run. */
        public long cyclesOpen() {
            return cyclesOpen;
        }

        /** Records (seals left out) in the closed cycles kept, before folding. */
        public long records() {
            return records;
        }

        /** Response part records folded away (a request's parts become one record). */
        public long partsFolded() {
            return partsFolded;
        }

        /** Bodies dropped past their retention. */
        public long bodiesDropped() {
            return bodiesDropped;
        }

        /** Cycles removed past the record retention (each recorded in the compaction partition). */
        public long cyclesRemoved() {
            return cyclesRemoved;
        }

        /** Records (seals left out) in the removed cycles. */
        public long recordsRemoved() {
            return recordsRemoved;
        }

        /** Bodies the rewritten cycles store deflated. */
        public long bodiesCompressed() {
            return bodiesCompressed;
        }

        /**
         * Bytes the closed cycle files held before, up to each one's last written byte (Chronicle's preallocated,
         * sparse tail left out, so the figure is what compaction saves on disk).
         */
        public long bytesBefore() {
            return bytesBefore;
        }

        /** Bytes of the same files after. */
        public long bytesAfter() {
            return bytesAfter;
        }

        /** The summary {@code journal compact} prints. */
        public String summary() {
            return "compacted: " + cyclesRewritten + " cycles rewritten, " + cyclesUnchanged + " unchanged, "
                + cyclesOpen + " open (skipped), " + cyclesRemoved + " removed (" + recordsRemoved + " records); "
                + records + " records, " + partsFolded + " parts folded, "
                + bodiesDropped + " bodies dropped, " + bodiesCompressed + " compressed; " + bytesBefore + " -> "
                + bytesAfter + " bytes";
        }

        /** The summary as one JSON object. */
        public String toJson() {
            return "{\"cycles\":" + cycles + ",\"cyclesRewritten\":" + cyclesRewritten + ",\"cyclesUnchanged\":"
                + cyclesUnchanged + ",\"cyclesOpen\":" + cyclesOpen + ",\"records\":" + records
                + ",\"cyclesRemoved\":" + cyclesRemoved + ",\"recordsRemoved\":" + recordsRemoved
                + ",\"partsFolded\":" + partsFolded + ",\"bodiesDropped\":" + bodiesDropped
                + ",\"bodiesCompressed\":" + bodiesCompressed + ",\"bytesBefore\":"
                + bytesBefore + ",\"bytesAfter\":" + bytesAfter + "}";
        }
    }
}
