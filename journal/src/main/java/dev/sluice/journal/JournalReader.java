package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import dev.sluice.journal.internal.GatewayPidFile;
import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.Partitions;
import dev.sluice.journal.internal.RecordLayout;

/**
 * Reads a journal directory, possibly while a gateway (this or another process) writes it: records in merged
 * order, each partition in its own order and the partitions interleaved by wall time ({@link #poll}), the last requests joined with their ends ({@link #last}), and a follow mode that
 * reports each request when it finishes ({@link #follow}). Records of an unknown version or type, or that do not
 * decode, are skipped and counted ({@link #undecodableRecords()}).
 * <p>
 * Confined to the thread that opened it.
 */
public final class JournalReader implements AutoCloseable {
    /** Sleep between polls when {@link #follow} finds nothing new. */
    public static final long FOLLOW_IDLE_SLEEP_MS = 20;
    /** Idle polls of {@link #follow} between two looks for partitions created since it started. */
    static final int FOLLOW_REFRESH_POLLS = 25;

    private final List<Path> dirs;
    private final RecordDecoder decoder = new RecordDecoder();
    private final MergedTailer tailer;
    private long undecodable;

    private JournalReader(List<Path> dirs, MergedTailer tailer) {
        this.dirs = dirs;
        this.tailer = tailer;
    }

    /** Whether {@code dir} holds a journal (of either layout: partitioned, or one queue from before partitions). */
    public static boolean isJournal(Path dir) {
        return Partitions.isJournal(requireNonNull(dir, "dir"));
    }

    /**
     * Opens the journal in {@code dir} read-only.
     *
     * @throws IllegalArgumentException when {@code dir} holds no journal
     */
    public static JournalReader open(Path dir) {
        requireNonNull(dir, "dir");
        return open(List.of(dir));
    }

    /**
     * Opens the journals in {@code dirs} read-only, as one: several gateways' journals merged in time order.
     *
     * @throws IllegalArgumentException when one of them holds no journal
     */
    public static JournalReader open(List<Path> dirs) {
        requireNonNull(dirs, "dirs");
        return new JournalReader(List.copyOf(dirs), MergedTailer.open(dirs));
    }

    /**
     * Delivers up to {@code limit} records from this reader's position (the start, at first) to {@code visitor}.
     *
     * @return records delivered; 0 when nothing new was there
     */
    public int poll(RecordVisitor visitor, int limit) {
        requireNonNull(visitor, "visitor");
        int delivered = 0;
        if (limit <= 0) {
            return 0;
        }
        // Nothing new: a partition created since the last look may hold something.
        if (!tailer.next() && (tailer.refresh() == 0 || !tailer.next())) {
            return 0;
        }
        do {
            int type = decoder.load(tailer.record());
            switch (type) {
                case RecordLayout.TYPE_REQUEST:
                    visitor.onRequest(decoder.request());
                    break;
                case RecordLayout.TYPE_END:
                    visitor.onEnd(decoder.end());
                    break;
                case RecordLayout.TYPE_BOOT:
                    visitor.onBoot(decoder.boot());
                    break;
                case RecordLayout.TYPE_CONFIG:
                    visitor.onConfig(decoder.config());
                    break;
                case RecordLayout.TYPE_ADMIN:
                    visitor.onAdmin(decoder.admin());
                    break;
                case RecordLayout.TYPE_EVAL:
                    visitor.onEval(decoder.eval());
                    break;
                case RecordLayout.TYPE_FEEDBACK:
                    visitor.onFeedback(decoder.feedback());
                    break;
                case RecordLayout.TYPE_SEAL:
                case RecordLayout.TYPE_RESPONSE_PART:
                    // Tamper evidence and captured content: read by verify and show, not delivered here.
                    continue;
                default:
                    undecodable++;
                    continue;
            }
            delivered++;
        } while (delivered < limit && tailer.next());
        return delivered;
    }

    /** Moves this reader's position back to the first record. */
    public JournalReader toStart() {
        // Partitions created since open are read too, from their start.
        tailer.refresh();
        tailer.toStart();
        return this;
    }

    /**
     * The last {@code n} requests at or after {@code sinceMicros} (wall time, epoch microseconds), oldest first,
     * each joined with its end. Reads the whole journal from the start; this reader's position is unchanged.
     */
    public List<JournalEntry> last(int n, long sinceMicros) {
        if (n < 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
        }
        Joiner joiner = new Joiner(n, sinceMicros, false);
        try (MergedTailer scan = MergedTailer.open(dirs)) {
            readAll(scan, joiner);
        }
        boolean gatewayAlive = false;
        for (Path dir : dirs) {
            gatewayAlive |= GatewayPidFile.isHeldByLiveProcess(dir);
        }
        if (!gatewayAlive) {
            for (JournalEntry e : joiner.pending.values()) {
                e.markInterrupted();
            }
        }
        return new ArrayList<>(joiner.window);
    }

    /**
     * Reports to {@code sink} the last {@code n} requests at or after {@code sinceMicros} that had finished when this
     * started (in the records the journal held then), then each further request when its end (or a boot record
     * after it) arrives, until {@code keepGoing} answers false or the thread is interrupted. A request whose end is
     * appended after this started is always reported, however long reading the journal's past takes. Sleeps
     * {@value #FOLLOW_IDLE_SLEEP_MS} ms whenever nothing new is there.
     */
    public void follow(int n, long sinceMicros, Consumer<JournalEntry> sink, BooleanSupplier keepGoing) {
        follow(n, sinceMicros, sink, keepGoing, () -> { });
    }

    /** {@link #follow}, running {@code bounded} once the past has been bounded, before it is read (tests). */
    void follow(int n, long sinceMicros, Consumer<JournalEntry> sink, BooleanSupplier keepGoing, Runnable bounded) {
        requireNonNull(sink, "sink");
        requireNonNull(keepGoing, "keepGoing");
        Joiner joiner = new Joiner(n, sinceMicros, true);
        try (MergedTailer scan = MergedTailer.open(dirs)) {
            // The past is what each partition holds now. Read unbounded, a catch-up that takes a while on a busy
            // journal would take the ends appended meanwhile for the past too, and report those requests never.
            scan.boundToCurrentEnd();
            bounded.run();
            readAll(scan, joiner);
            for (JournalEntry e : joiner.window) {
                if (e.isFinished()) {
                    sink.accept(e);
                }
            }
            joiner.window.clear();
            joiner.sink = sink;
            scan.unbound();
            int idlePolls = 0;
            while (keepGoing.getAsBoolean() && !Thread.currentThread().isInterrupted()) {
                if (readAll(scan, joiner) == 0) {
                    // A gateway that starts, or an event loop that appends for the first time, adds a partition.
                    if (++idlePolls % FOLLOW_REFRESH_POLLS == 0) {
                        scan.refresh();
                    }
                    try {
                        Thread.sleep(FOLLOW_IDLE_SLEEP_MS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    /** Records skipped because they did not decode. */
    public long undecodableRecords() {
        return undecodable;
    }

    @Override
    public void close() {
        tailer.close();
    }

    private int readAll(MergedTailer t, Joiner joiner) {
        int read = 0;
        while (t.next()) {
            read++;
            int type = decoder.load(t.record());
            switch (type) {
                case RecordLayout.TYPE_REQUEST:
                    joiner.onRequest(decoder.request());
                    break;
                case RecordLayout.TYPE_END:
                    joiner.onEnd(decoder.end());
                    break;
                case RecordLayout.TYPE_BOOT:
                    joiner.onBoot();
                    break;
                case RecordLayout.TYPE_CONFIG:
                case RecordLayout.TYPE_ADMIN:
                case RecordLayout.TYPE_EVAL:
                case RecordLayout.TYPE_FEEDBACK:
                case RecordLayout.TYPE_SEAL:
                case RecordLayout.TYPE_RESPONSE_PART:
                    // Not a request or its end: nothing to join.
                    break;
                default:
                    undecodable++;
                    break;
            }
        }
        return read;
    }

    /** Joins requests with their ends, keeping the last n requests in a window. */
    private static final class Joiner {
        final int n;
        final long sinceMicros;
        final boolean keepEvicted;
        final ArrayDeque<JournalEntry> window = new ArrayDeque<>();
        final Map<Long, JournalEntry> pending = new LinkedHashMap<>();
        Consumer<JournalEntry> sink;

        Joiner(int n, long sinceMicros, boolean keepEvicted) {
            this.n = n;
            this.sinceMicros = sinceMicros;
            this.keepEvicted = keepEvicted;
        }

        void onRequest(RequestRecord request) {
            if (request.wallTimeMicros() < sinceMicros) {
                return;
            }
            JournalEntry entry = new JournalEntry(request);
            pending.put(request.requestId(), entry);
            if (sink != null) {
                return;
            }
            window.addLast(entry);
            if (window.size() > n) {
                JournalEntry evicted = window.removeFirst();
                if (!keepEvicted) {
                    pending.remove(evicted.requestId());
                }
            }
        }

        void onEnd(EndRecord end) {
            JournalEntry entry = pending.remove(end.requestId());
            if (entry == null) {
                return;
            }
            entry.end(end);
            if (sink != null) {
                sink.accept(entry);
            }
        }

        void onBoot() {
            // A gateway started after these requests: they will never get their end.
            for (Iterator<JournalEntry> it = pending.values().iterator(); it.hasNext(); ) {
                JournalEntry entry = it.next();
                it.remove();
                entry.markInterrupted();
                if (sink != null) {
                    sink.accept(entry);
                }
            }
        }
    }
}
