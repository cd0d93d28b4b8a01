package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.MIN_READ_VERSION;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.TYPE_REQUEST;
import static dev.sluice.journal.internal.RecordLayout.VERSION;
import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.NavigableSet;
import java.util.concurrent.TimeUnit;

import dev.sluice.journal.internal.StringTable;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Reads the spend-relevant fields of a journal straight from the record bytes and joins each request at or after
 * a time with its end. Only the fields spend needs are read; tag strings come from a {@link StringTable}, so a
 * repeated team or model costs no allocation, and the joined rows are pooled: per finished request the scan
 * allocates nothing itself. Whole roll cycles before the start time are skipped (see {@link #scan}).
 * <p>
 * Confined to the thread that opened it.
 */
final class SpendScanner implements AutoCloseable {
    /**
     * A cycle is skipped only when the next cycle's first request is this much older than the start time: wall
     * times are stamped before the append, so records near a cycle boundary are not strictly ordered.
     */
    static final long CYCLE_SKIP_MARGIN_MICROS = TimeUnit.HOURS.toMicros(1);
    /** Documents read at most at the start of a cycle to find its first request. */
    private static final int PEEK_LIMIT = 1024;
    private static final long NONE = Long.MIN_VALUE;
    private static final int ABSENT = 0xFFFF;
    private static final String METADATA_FILE = "metadata.cq4t";

    /** Receives each finished request; the row is reused once the call returns. */
    interface Sink {
        void onFinished(Row row);
    }

    /** A request joined with its end: the fields spend needs. Strings are null when the request had none. */
    static final class Row {
        long requestId;
        long wallTimeMicros;
        String keyId;
        String team;
        String project;
        String useCase;
        String model;
        Outcome outcome;
        boolean tokensEstimated;
        long tokensIn;
        long tokensOut;
        long tokensCached;
        long costMicros;
    }

    private final SingleChronicleQueue queue;
    private final StringTable strings = new StringTable();
    private final Long2ObjectHashMap<Row> pending = new Long2ObjectHashMap<>();
    private final ArrayDeque<Row> free = new ArrayDeque<>();
    private byte[] scratch = new byte[16 * 1024];
    private final UnsafeBuffer view = new UnsafeBuffer(scratch);
    private long undecodable;
    private long unmatchedEnds;
    private int skippedCycles;

    private SpendScanner(SingleChronicleQueue queue) {
        this.queue = queue;
    }

    /**
     * Opens the journal in {@code dir} read-only.
     *
     * @throws IllegalArgumentException when {@code dir} holds no journal
     */
    static SpendScanner open(Path dir) {
        requireNonNull(dir, "dir");
        if (!Files.isRegularFile(dir.resolve(METADATA_FILE))) {
            throw new IllegalArgumentException("dir: " + dir + " (expected: a journal directory with "
                + METADATA_FILE + ")");
        }
        return new SpendScanner(SingleChronicleQueueBuilder.single(dir.toFile()).readOnly(true).build());
    }

    /**
     * Reports every request whose wall time is at or after {@code sinceMicros} and that has an end, in the order
     * of the ends, to {@code sink}. Starts at the last cycle whose first request is more than
     * {@link #CYCLE_SKIP_MARGIN_MICROS} older than {@code sinceMicros} (earlier cycles hold only older requests).
     * Requests without an end stay {@linkplain #unfinished() unfinished}.
     */
    void scan(long sinceMicros, Sink sink) {
        requireNonNull(sink, "sink");
        try (ExcerptTailer tailer = queue.createTailer()) {
            position(tailer, sinceMicros);
            while (true) {
                try (DocumentContext dc = tailer.readingDocument()) {
                    if (!dc.isPresent()) {
                        return;
                    }
                    read(dc.wire().bytes(), sinceMicros, sink);
                }
            }
        }
    }

    /** Requests at or after the start time read without an end (in flight, or lost to a crash). */
    int unfinished() {
        return pending.size();
    }

    /** Ends whose request was not read: it was before the start time, or is missing. */
    long unmatchedEnds() {
        return unmatchedEnds;
    }

    /** Request and end records that did not decode (unknown version, truncated). */
    long undecodableRecords() {
        return undecodable;
    }

    /** Whole cycles skipped by the last scan. */
    int skippedCycles() {
        return skippedCycles;
    }

    @Override
    public void close() {
        queue.close();
    }

    private void read(Bytes<?> bytes, long sinceMicros, Sink sink) {
        long start = bytes.readPosition();
        long remaining = bytes.readRemaining();
        if (remaining < 2) {
            undecodable++;
            return;
        }
        byte version = bytes.readByte(start);
        byte type = bytes.readByte(start + 1);
        if (type != TYPE_REQUEST && type != TYPE_END) {
            return;
        }
        if (version < MIN_READ_VERSION || version > VERSION) {
            undecodable++;
            return;
        }
        // An end's attempts list is not needed: copy only its fixed part.
        int length = (int) Math.min(remaining, type == TYPE_END ? EndRecord.FIXED_END_OFFSET : Integer.MAX_VALUE);
        if (scratch.length < length) {
            scratch = new byte[length];
        }
        bytes.read(scratch, 0, length);
        view.wrap(scratch, 0, length);
        try {
            if (type == TYPE_REQUEST) {
                onRequest(sinceMicros);
            } else {
                onEnd(sink);
            }
        } catch (RuntimeException e) {
            // Truncated or corrupt body: a bounds check of the view or a bad outcome id.
            undecodable++;
        }
    }

    private void onRequest(long sinceMicros) {
        long wall = view.getLong(RequestRecord.WALL_TIME_OFFSET, ORDER);
        if (wall < sinceMicros) {
            return;
        }
        long requestId = view.getLong(RequestRecord.REQUEST_ID_OFFSET, ORDER);
        int pos = RequestRecord.STRINGS_OFFSET;
        String keyId = string(pos);
        pos = skip(pos);
        pos = skip(pos); // user
        String team = string(pos);
        pos = skip(pos);
        String project = string(pos);
        pos = skip(pos);
        String useCase = string(pos);
        pos = skip(pos);
        String model = string(pos);
        Row row = free.pollFirst();
        if (row == null) {
            row = new Row();
        }
        row.requestId = requestId;
        row.wallTimeMicros = wall;
        row.keyId = keyId;
        row.team = team;
        row.project = project;
        row.useCase = useCase;
        row.model = model;
        Row previous = pending.put(requestId, row);
        if (previous != null) {
            // The same id twice: the later request is the one an end can still belong to.
            free.addFirst(previous);
        }
    }

    private void onEnd(Sink sink) {
        long requestId = view.getLong(EndRecord.REQUEST_ID_OFFSET, ORDER);
        Row row = pending.get(requestId);
        if (row == null) {
            unmatchedEnds++;
            return;
        }
        byte outcomeId = view.getByte(EndRecord.OUTCOME_OFFSET);
        Outcome outcome = Outcome.fromId(outcomeId);
        if (outcome == null) {
            throw new IllegalStateException("outcome id: " + outcomeId + " (expected: a known Outcome id)");
        }
        row.outcome = outcome;
        row.tokensEstimated = (view.getByte(EndRecord.FLAGS_OFFSET) & EndRecord.FLAG_TOKENS_ESTIMATED) != 0;
        row.tokensIn = view.getLong(EndRecord.TOKENS_IN_OFFSET, ORDER);
        row.tokensOut = view.getLong(EndRecord.TOKENS_OUT_OFFSET, ORDER);
        row.tokensCached = view.getLong(EndRecord.TOKENS_CACHED_OFFSET, ORDER);
        row.costMicros = view.getLong(EndRecord.COST_OFFSET, ORDER);
        pending.remove(requestId);
        try {
            sink.onFinished(row);
        } finally {
            row.keyId = row.team = row.project = row.useCase = row.model = null;
            free.addFirst(row);
        }
    }

    /** The string field at {@code pos}, or null when absent. */
    private String string(int pos) {
        int length = view.getShort(pos, ORDER) & 0xFFFF;
        if (length == ABSENT) {
            return null;
        }
        view.boundsCheck(pos + 2, length);
        return strings.get(view, pos + 2, length);
    }

    /** The position after the string field at {@code pos}. */
    private int skip(int pos) {
        int length = view.getShort(pos, ORDER) & 0xFFFF;
        return pos + 2 + (length == ABSENT ? 0 : length);
    }

    private void position(ExcerptTailer tailer, long sinceMicros) {
        skippedCycles = 0;
        int first = queue.firstCycle();
        int last = queue.lastCycle();
        if (sinceMicros == Long.MIN_VALUE || last <= first) {
            return;
        }
        long threshold = sinceMicros - CYCLE_SKIP_MARGIN_MICROS;
        if (threshold > sinceMicros) {
            return; // underflow: nothing is that old
        }
        NavigableSet<Long> cycles = queue.listCyclesBetween(first, last);
        for (Long cycle : cycles.descendingSet()) {
            long firstWall = firstRequestWallMicros(cycle.intValue());
            if (firstWall != NONE && firstWall < threshold) {
                if (!cycle.equals(cycles.first()) && tailer.moveToCycle(cycle.intValue())) {
                    skippedCycles = cycles.headSet(cycle, false).size();
                }
                return;
            }
        }
    }

    /** The wall time of the first request in {@code cycle}, or {@link #NONE} when none is found near its start. */
    private long firstRequestWallMicros(int cycle) {
        RollCycle rollCycle = queue.rollCycle();
        try (ExcerptTailer peek = queue.createTailer()) {
            if (!peek.moveToCycle(cycle)) {
                return NONE;
            }
            for (int i = 0; i < PEEK_LIMIT; i++) {
                try (DocumentContext dc = peek.readingDocument()) {
                    if (!dc.isPresent() || rollCycle.toCycle(dc.index()) != cycle) {
                        return NONE;
                    }
                    Bytes<?> bytes = dc.wire().bytes();
                    long start = bytes.readPosition();
                    if (bytes.readRemaining() >= RequestRecord.WALL_TIME_OFFSET + 8
                        && bytes.readByte(start + 1) == TYPE_REQUEST) {
                        return readLittleEndianLong(bytes, start + RequestRecord.WALL_TIME_OFFSET);
                    }
                }
            }
        }
        return NONE;
    }

    private static long readLittleEndianLong(Bytes<?> bytes, long offset) {
        long value = 0;
        for (int i = 7; i >= 0; i--) {
            value = (value << 8) | (bytes.readByte(offset + i) & 0xFF);
        }
        return value;
    }
}
