package dev.sluice.journal.internal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.Inflater;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads every partition of one journal directory ({@link Partitions}) as one sequence of encoded records: each
 * partition in its own order, the partitions interleaved by the records' wall time (a k-way merge of the
 * partitions' next records; a tie goes to the partition that sorts first). Works while a gateway writes the
 * journal: {@link #next()} answers false when no partition has a record now, and a later call finds what was
 * appended since; {@link #refresh()} picks up partitions created after the tailer was opened. A tailer can be
 * bounded to what the partitions hold at one moment ({@link #boundToCurrentEnd()}), so that a long read of the past
 * does not run on into what is appended while it reads.
 * <p>
 * Every record is copied out of the queue once, into its partition's buffer; {@link #record()} stays valid until
 * the next call to {@link #next()}.
 * <p>
 * Confined to the thread that opened it.
 */
public final class MergedTailer implements AutoCloseable {
    private final List<Path> journalDirs;
    private final List<Cursor> cursors = new ArrayList<>();
    private final Set<Path> known = new HashSet<>();
    private Cursor current;

    private MergedTailer(List<Path> journalDirs) {
        this.journalDirs = List.copyOf(journalDirs);
    }

    /**
     * Opens every partition of the journal in {@code journalDir} for reading, each at its start.
     *
     * @throws IllegalArgumentException when {@code journalDir} holds no journal
     */
    public static MergedTailer open(Path journalDir) {
        return open(List.of(requireNonNull(journalDir, "journalDir")));
    }

    /**
     * Opens every partition of every journal in {@code journalDirs} (several gateways' journals, read as one), each
     * at its start.
     *
     * @throws IllegalArgumentException when one of them holds no journal
     */
    public static MergedTailer open(List<Path> journalDirs) {
        requireNonNull(journalDirs, "journalDirs");
        for (Path dir : journalDirs) {
            if (Partitions.find(dir).isEmpty()) {
                throw new IllegalArgumentException("dir: " + dir + " (expected: a journal directory, with "
                    + Partitions.METADATA_FILE + " in it or in its partitions)");
            }
        }
        MergedTailer tailer = new MergedTailer(journalDirs);
        if (tailer.refresh() == 0) {
            throw new IllegalArgumentException("dirs: " + journalDirs + " (expected: at least one journal)");
        }
        return tailer;
    }

    /** Opens the partitions created since the last look, each at its start; returns how many were added. */
    public int refresh() {
        int added = 0;
        for (Path journalDir : journalDirs) {
            for (Path dir : Partitions.find(journalDir)) {
                if (known.add(dir)) {
                    cursors.add(new Cursor(Partitions.openForReading(dir)));
                    added++;
                }
            }
        }
        return added;
    }

    /** Partitions read. */
    public int partitions() {
        return cursors.size();
    }

    /**
     * Moves to the next record in merged order.
     *
     * @return false when no partition has a record now (nothing moved)
     */
    public boolean next() {
        Cursor best = null;
        for (int i = 0, n = cursors.size(); i < n; i++) {
            Cursor c = cursors.get(i);
            // A head past its partition's bound stays held: it is the first record moved to once unbounded.
            if (c.fill() && c.headIndex < c.endIndex && (best == null || c.headTimeMicros < best.headTimeMicros)) {
                best = c;
            }
        }
        current = best;
        if (best == null) {
            return false;
        }
        best.hasHead = false;
        return true;
    }

    /**
     * The record {@link #next()} moved to, its meta only (for a chained record: without its body and trailer); its
     * capacity is the meta's length. Valid until the next call.
     */
    public DirectBuffer record() {
        return currentCursor().view;
    }

    /**
     * The body of the current record: its captured content, empty when it has none or when the body was dropped
     * (then {@link #bodyDropped()} is true). Valid until the next call.
     */
    public DirectBuffer body() {
        return currentCursor().body;
    }

    /** The length of the current record's body as written, also when only its digest is kept. */
    public int bodyLength() {
        Cursor c = currentCursor();
        return c.chained && c.view.capacity() > 0 ? ChainLayout.bodyLength(c.doc) : 0;
    }

    /** Whether the current record's body was dropped by compaction (past retention); its digest is kept. */
    public boolean bodyDropped() {
        Cursor c = currentCursor();
        return c.chained && c.bodyForm == ChainLayout.BODY_DROPPED;
    }

    private Cursor currentCursor() {
        if (current == null) {
            throw new IllegalStateException("no current record (expected: next() answered true)");
        }
        return current;
    }

    /**
     * Bounds {@link #next()} to the records every partition holds now: a record appended from now on is not moved
     * to (next answers false as if there were none) until {@link #unbound()}. Partitions added later by
     * {@link #refresh()} are not bounded.
     */
    public void boundToCurrentEnd() {
        for (Cursor c : cursors) {
            c.boundToCurrentEnd();
        }
    }

    /** Lifts the bound of {@link #boundToCurrentEnd()}: the records appended since are moved to next. */
    public void unbound() {
        for (Cursor c : cursors) {
            c.endIndex = Cursor.UNBOUNDED;
        }
    }

    /** Moves every partition back to its start. */
    public void toStart() {
        for (Cursor c : cursors) {
            c.tailer.toStart();
            c.hasHead = false;
        }
        current = null;
    }

    /**
     * Moves every partition to its first record in {@code cycle} or a later cycle (to its end when it has none).
     * Roll cycles are the same in every partition of a journal.
     */
    public void startAtCycle(int cycle) {
        for (Cursor c : cursors) {
            Long from = c.cycles().ceiling((long) cycle);
            if (from == null || !c.tailer.moveToCycle(from.intValue())) {
                c.tailer.toEnd();
            }
            c.hasHead = false;
        }
        current = null;
    }

    /** Every cycle of every partition, in order. */
    public NavigableSet<Long> cycles() {
        NavigableSet<Long> all = new TreeSet<>();
        for (Cursor c : cursors) {
            all.addAll(c.cycles());
        }
        return all;
    }

    /**
     * In each partition, skips the whole cycles that come before the last cycle whose first request record
     * (found among the first {@code peekLimit} records) is older than {@code thresholdMicros}: those cycles hold
     * only older requests.
     *
     * @return the cycles skipped, all partitions together
     */
    public int skipCyclesOlderThan(long thresholdMicros, int peekLimit) {
        int skipped = 0;
        for (Cursor c : cursors) {
            skipped += c.skipCyclesOlderThan(thresholdMicros, peekLimit);
        }
        current = null;
        return skipped;
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (Cursor c : cursors) {
            try {
                c.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        cursors.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /** One partition: its queue, its tailer, and its next record once read. */
    private static final class Cursor {
        static final long UNBOUNDED = Long.MAX_VALUE;

        final SingleChronicleQueue queue;
        final ExcerptTailer tailer;
        final UnsafeBuffer view = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer body = new UnsafeBuffer(new byte[0]);
        final UnsafeBuffer doc = new UnsafeBuffer(new byte[0]);
        byte[] head = new byte[4096];
        byte[] inflated = new byte[0];
        Inflater inflater;
        boolean hasHead;
        boolean chained;
        byte bodyForm;
        long headTimeMicros;
        /** The queue index of the held record. */
        long headIndex;
        /** Records at this queue index or later are not moved to ({@link #UNBOUNDED}: none is held back). */
        long endIndex = UNBOUNDED;

        Cursor(SingleChronicleQueue queue) {
            this.queue = queue;
            this.tailer = queue.createTailer();
        }

        /** Reads the partition's next record unless one is held; answers whether one is held now. */
        boolean fill() {
            if (hasHead) {
                return true;
            }
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return false;
                }
                Bytes<?> bytes = dc.wire().bytes();
                int length = (int) Math.min(bytes.readRemaining(), Integer.MAX_VALUE - 8);
                if (head.length < length) {
                    head = new byte[Math.max(length, head.length * 2)];
                }
                bytes.read(head, 0, length);
                doc.wrap(head, 0, length);
                chained = ChainLayout.isChained(doc);
                if (chained) {
                    int metaLength = ChainLayout.metaLength(doc);
                    if (metaLength < 0) {
                        // A trailer that does not fit: shown to decoders as an empty, undecodable record.
                        view.wrap(head, 0, 0);
                        body.wrap(head, 0, 0);
                    } else {
                        view.wrap(head, 0, metaLength);
                        bodyForm = ChainLayout.bodyForm(doc);
                        if (bodyForm == ChainLayout.BODY_DEFLATED) {
                            inflateBody(metaLength);
                        } else {
                            int bodyLength = bodyForm == ChainLayout.BODY_PRESENT ? ChainLayout.bodyLength(doc) : 0;
                            body.wrap(head, metaLength, bodyLength);
                        }
                    }
                } else {
                    view.wrap(head, 0, length);
                    body.wrap(head, 0, 0);
                }
                headTimeMicros = RecordLayout.wallTimeMicros(view);
                headIndex = dc.index();
                hasHead = true;
                return true;
            }
        }

        /** Bounds this partition at the index its next record will get (0 when it holds none: all are later). */
        void boundToCurrentEnd() {
            try (ExcerptTailer end = queue.createTailer()) {
                endIndex = end.toEnd().index();
            }
        }

        NavigableSet<Long> cycles() {
            int first = queue.firstCycle();
            int last = queue.lastCycle();
            if (last < first) {
                return new TreeSet<>();
            }
            return queue.listCyclesBetween(first, last);
        }

        int skipCyclesOlderThan(long thresholdMicros, int peekLimit) {
            hasHead = false;
            NavigableSet<Long> cycles = cycles();
            if (cycles.size() < 2) {
                return 0;
            }
            for (Long cycle : cycles.descendingSet()) {
                long firstWall = firstRequestWallMicros(cycle.intValue(), peekLimit);
                if (firstWall != RecordLayout.NO_WALL_TIME && firstWall < thresholdMicros) {
                    if (!cycle.equals(cycles.first()) && tailer.moveToCycle(cycle.intValue())) {
                        return cycles.headSet(cycle, false).size();
                    }
                    return 0;
                }
            }
            return 0;
        }

        /** The wall time of the first request in {@code cycle}, or none when none is among its first records. */
        private long firstRequestWallMicros(int cycle, int peekLimit) {
            RollCycle rollCycle = queue.rollCycle();
            try (ExcerptTailer peek = queue.createTailer()) {
                if (!peek.moveToCycle(cycle)) {
                    return RecordLayout.NO_WALL_TIME;
                }
                for (int i = 0; i < peekLimit; i++) {
                    try (DocumentContext dc = peek.readingDocument()) {
                        if (!dc.isPresent() || rollCycle.toCycle(dc.index()) != cycle) {
                            return RecordLayout.NO_WALL_TIME;
                        }
                        Bytes<?> bytes = dc.wire().bytes();
                        long start = bytes.readPosition();
                        if (bytes.readRemaining() >= RecordLayout.KEYED_WALL_TIME_OFFSET + 8
                            && bytes.readByte(start + 1) == RecordLayout.TYPE_REQUEST) {
                            return readLittleEndianLong(bytes, start + RecordLayout.KEYED_WALL_TIME_OFFSET);
                        }
                    }
                }
            }
            return RecordLayout.NO_WALL_TIME;
        }

        private static long readLittleEndianLong(Bytes<?> bytes, long offset) {
            long value = 0;
            for (int i = 7; i >= 0; i--) {
                value = (value << 8) | (bytes.readByte(offset + i) & 0xFF);
            }
            return value;
        }

        /** Shows a body compaction stored deflated as it was written; a body that does not inflate, as empty. */
        private void inflateBody(int metaLength) {
            int bodyLength = ChainLayout.bodyLength(doc);
            if (inflated.length < bodyLength) {
                inflated = new byte[Math.max(bodyLength, inflated.length * 2)];
            }
            if (inflater == null) {
                inflater = new Inflater();
            }
            boolean ok = ChainLayout.inflate(inflater, head, metaLength, ChainLayout.storedLength(doc, metaLength),
                inflated, bodyLength);
            body.wrap(inflated, 0, ok ? bodyLength : 0);
        }

        void close() {
            if (inflater != null) {
                inflater.end();
            }
            try {
                tailer.close();
            } finally {
                queue.close();
            }
        }
    }
}
