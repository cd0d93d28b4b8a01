package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.MIN_READ_VERSION;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.TYPE_REQUEST;
import static dev.sluice.journal.internal.RecordLayout.VERSION;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.StringTable;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Reads the spend-relevant fields of a journal straight from the record bytes and joins each request at or after
 * a time with its end, over every partition of the journal in merged order. Only the fields spend needs are read; tag strings come from a {@link StringTable}, so a
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
    private static final int ABSENT = 0xFFFF;

    /** Receives each finished request; the row is reused once the call returns. */
    interface Sink {
        void onFinished(Row row);

        /**
         * A record of another type than request and end ({@link #follow} only): its encoded bytes, valid during the
         * call.
         */
        default void onOther(byte type, DirectBuffer record) {
        }
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
        String agent;
        String agentVersion;
        /** The alias or agent whose shadow declaration sent this request; null for a client's request. */
        String shadowSource;
        Outcome outcome;
        boolean tokensEstimated;
        long tokensIn;
        long tokensOut;
        long tokensCached;
        long costMicros;
        /** The request record's encoded bytes, when the scanner keeps them ({@link #keepRequestBytes}). */
        byte[] requestBytes = EMPTY;
        int requestLength;
    }

    private static final byte[] EMPTY = new byte[0];

    private final MergedTailer tailer;
    private final StringTable strings = new StringTable();
    private final Long2ObjectHashMap<Row> pending = new Long2ObjectHashMap<>();
    private final ArrayDeque<Row> free = new ArrayDeque<>();
    /** The record being read: the tailer's buffer, valid until the next record. */
    private DirectBuffer view;
    private boolean keepRequestBytes;
    private long undecodable;
    private long unmatchedEnds;
    private int skippedCycles;

    private SpendScanner(MergedTailer tailer) {
        this.tailer = tailer;
    }

    /**
     * Opens the journal in {@code dir} read-only.
     *
     * @throws IllegalArgumentException when {@code dir} holds no journal
     */
    static SpendScanner open(Path dir) {
        requireNonNull(dir, "dir");
        return new SpendScanner(MergedTailer.open(dir));
    }

    /** Opens several gateways' journals read-only, as one. */
    static SpendScanner open(List<Path> dirs) {
        requireNonNull(dirs, "dirs");
        return new SpendScanner(MergedTailer.open(dirs));
    }

    /**
     * Reports every request whose wall time is at or after {@code sinceMicros} and that has an end, in the order
     * of the ends, to {@code sink}. Each partition starts at its last cycle whose first request is more than
     * {@link #CYCLE_SKIP_MARGIN_MICROS} older than {@code sinceMicros} (earlier cycles hold only older requests).
     * Requests without an end stay {@linkplain #unfinished(String) unfinished}. Scans once per scanner.
     */
    void scan(long sinceMicros, Sink sink) {
        requireNonNull(sink, "sink");
        position(sinceMicros);
        while (tailer.next()) {
            read(tailer.record(), sinceMicros, sink);
        }
    }

    /** Keeps each pending request's encoded record in its row ({@link Row#requestBytes}), for a reader that shows it. */
    void keepRequestBytes() {
        keepRequestBytes = true;
    }

    /**
     * Reads on from where the last call stopped (the first call: from the journal's start), up to
     * {@code maxRecords} records: requests joined with their ends to {@code sink}, the other records to
     * {@link Sink#onOther}. Records appended meanwhile are read by a later call.
     *
     * @return the records read; 0 when there is nothing new
     */
    int follow(int maxRecords, Sink sink) {
        requireNonNull(sink, "sink");
        int n = 0;
        while (n < maxRecords && tailer.next()) {
            n++;
            DirectBuffer record = tailer.record();
            if (record.capacity() >= 2 && record.getByte(1) != TYPE_REQUEST && record.getByte(1) != TYPE_END) {
                sink.onOther(record.getByte(1), record);
            } else {
                read(record, Long.MIN_VALUE, sink);
            }
        }
        return n;
    }

    /** The end record being reported to {@link Sink#onFinished}: valid during that call only. */
    DirectBuffer endRecord() {
        return view;
    }

    /** Opens the partitions created since the last look. */
    void refresh() {
        tailer.refresh();
    }

    /** Each request read without an end yet, in no order: the row is the scanner's, not to be kept. */
    void forEachUnfinished(Consumer<Row> action) {
        pending.values().forEach(action);
    }

    /**
     * Requests at or after the start time read without an end (in flight, or lost to a crash), of team {@code team}
     * only ({@code null}: of every team).
     */
    int unfinished(String team) {
        if (team == null) {
            return pending.size();
        }
        int n = 0;
        for (Row row : pending.values()) {
            if (team.equals(row.team)) {
                n++;
            }
        }
        return n;
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
        tailer.close();
    }

    private void read(DirectBuffer record, long sinceMicros, Sink sink) {
        if (record.capacity() < 2) {
            undecodable++;
            return;
        }
        byte version = record.getByte(0);
        byte type = record.getByte(1);
        if (type != TYPE_REQUEST && type != TYPE_END) {
            return;
        }
        if (version < MIN_READ_VERSION || version > VERSION) {
            undecodable++;
            return;
        }
        view = record;
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
        pos = skip(pos);
        pos = skip(pos); // client address
        String agent = null;
        String agentVersion = null;
        if (pos < view.capacity()) {
            // Requests that called an agent carry it, and its version, after the client address.
            agent = string(pos);
            pos = skip(pos);
            agentVersion = string(pos);
            pos = skip(pos);
            pos = skip(pos); // agent label
        }
        String shadowSource = null;
        if (pos + 8 < view.capacity()) {
            // A shadow request's primary (i64) and the declaration that sent it, after the agent fields.
            shadowSource = string(pos + 8);
        }
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
        row.agent = agent;
        row.agentVersion = agentVersion;
        row.shadowSource = shadowSource;
        if (keepRequestBytes) {
            int length = view.capacity();
            if (row.requestBytes.length < length) {
                row.requestBytes = new byte[Math.max(length, 256)];
            }
            view.getBytes(0, row.requestBytes, 0, length);
            row.requestLength = length;
        }
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
            row.keyId = row.team = row.project = row.useCase = row.model = row.agent = row.agentVersion = null;
            row.shadowSource = null;
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

    private void position(long sinceMicros) {
        skippedCycles = 0;
        if (sinceMicros == Long.MIN_VALUE) {
            return;
        }
        long threshold = sinceMicros - CYCLE_SKIP_MARGIN_MICROS;
        if (threshold > sinceMicros) {
            return; // underflow: nothing is that old
        }
        skippedCycles = tailer.skipCyclesOlderThan(threshold, PEEK_LIMIT);
    }
}
