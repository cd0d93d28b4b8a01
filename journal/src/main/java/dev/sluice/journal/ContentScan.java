package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;

/**
 * Reads one or more journals as one, in time order, and reports each finished request with what was captured of
 * it ({@link RequestHistory}): what {@code journal search} and {@code journal export} stream. Requests are held
 * from their REQUEST record to their END (or a later boot record: interrupted), so memory follows the requests in
 * flight at any point of the journal, not its size.
 * <p>
 * Confined to the calling thread.
 */
public final class ContentScan {
    private final RecordDecoder decoder = new RecordDecoder();
    private final Map<Long, Pending> pending = new HashMap<>();
    private long records;

    /**
     * Scans {@code journalDirs} from their start.
     *
     * @param keep which requests to report, decided on their REQUEST record
     * @param withContent whether to gather the captured request body and answer (else only the records)
     * @param sink receives each finished request, in the order of its END
     * @throws IllegalArgumentException when a directory holds no journal
     */
    public void scan(List<Path> journalDirs, Predicate<RequestRecord> keep, boolean withContent,
                     Consumer<RequestHistory> sink) {
        requireNonNull(keep, "keep");
        requireNonNull(sink, "sink");
        try (MergedTailer tailer = MergedTailer.open(journalDirs)) {
            while (tailer.next()) {
                records++;
                DirectBuffer meta = tailer.record();
                int type = decoder.load(meta);
                if (type == RecordLayout.TYPE_REQUEST) {
                    RequestRecord r = decoder.request();
                    if (keep.test(r)) {
                        Pending p = new Pending(r);
                        if (withContent) {
                            p.body = copy(tailer.body());
                            p.digestOnly = tailer.bodyDropped();
                        }
                        pending.put(r.requestId(), p);
                    }
                } else if (type == RecordLayout.TYPE_RESPONSE_PART) {
                    Pending p = pending.get(decoder.responsePart().requestId());
                    if (p != null && withContent) {
                        DirectBuffer body = tailer.body();
                        byte[] bytes = copy(body);
                        p.answer.writeBytes(bytes);
                        p.parts++;
                    }
                } else if (type == RecordLayout.TYPE_END) {
                    Pending p = pending.remove(decoder.end().requestId());
                    if (p != null) {
                        JournalEntry entry = new JournalEntry(p.request);
                        entry.end(decoder.end());
                        sink.accept(p.toHistory(entry));
                    }
                }
            }
        }
    }

    /** Records read by the last scans. */
    public long records() {
        return records;
    }

    private static byte[] copy(DirectBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** A request between its REQUEST and its END. */
    private static final class Pending {
        final RequestRecord request;
        final ByteArrayOutputStream answer = new ByteArrayOutputStream();
        byte[] body;
        boolean digestOnly;
        int parts;

        Pending(RequestRecord request) {
            this.request = request;
        }

        RequestHistory toHistory(JournalEntry entry) {
            return new RequestHistory(entry, body == null || body.length == 0 ? null : body, digestOnly,
                answer.toByteArray(), parts);
        }
    }
}
