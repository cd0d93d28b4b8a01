package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;

/**
 * Everything the journal holds about one request ({@code sluice journal show}): its request and end records, the
 * captured request body and the captured answer (its response parts joined in order), read from one or more
 * journals.
 * <p>
 * Confined to the reading thread.
 */
public final class RequestHistory {
    /** Records read at the start of a cycle to find its first request's time. */
    private static final int PEEK_LIMIT = 1024;
    /** The use case of an evaluation's samples: their runs are recorded after them. */
    private static final String EVAL_USE_CASE = "eval";

    private final JournalEntry entry;
    private final byte[] requestBody;
    private final boolean requestBodyDigestOnly;
    private final byte[] answer;
    private final int parts;
    private List<EvalRecord> evalRuns = List.of();

    RequestHistory(JournalEntry entry, byte[] requestBody, boolean requestBodyDigestOnly, byte[] answer,
                           int parts) {
        this.entry = entry;
        this.requestBody = requestBody;
        this.requestBodyDigestOnly = requestBodyDigestOnly;
        this.answer = answer;
        this.parts = parts;
    }

    /**
     * Finds request {@code requestId} in the journals in {@code journalDirs}.
     *
     * @return the request's history, or null when no journal holds its request record
     */
    public static RequestHistory find(List<Path> journalDirs, long requestId) {
        return find(journalDirs, requestId, Long.MIN_VALUE);
    }

    /**
     * As {@link #find(List, long)}, told that the request started at or after {@code notBeforeMicros} (a
     * {@link JournalIndex}'s {@linkplain JournalIndex#requestTimeHint hint}): the cycles before are skipped. When
     * that finds nothing, the whole journal is read.
     */
    public static RequestHistory find(List<Path> journalDirs, long requestId, long notBeforeMicros) {
        requireNonNull(journalDirs, "journalDirs");
        Search search = new Search(requestId);
        long from = Math.max(notBeforeMicros, RequestIds.notBeforeMs(requestId) * 1_000L);
        for (Path dir : journalDirs) {
            if (!JournalReader.isJournal(dir)) {
                continue;
            }
            // First from the cycle the id's time (or the hint) points to (the cycles before hold only older
            // requests); from the start when that finds nothing (an id of another form, a clock set back) and cycles
            // were skipped.
            boolean skipped;
            try (MergedTailer tailer = MergedTailer.open(dir)) {
                skipped = tailer.skipCyclesOlderThan(from, PEEK_LIMIT) > 0;
                search.scan(tailer);
            }
            if (search.request == null && skipped) {
                try (MergedTailer tailer = MergedTailer.open(dir)) {
                    search.scan(tailer);
                }
            }
            if (search.request != null) {
                break; // a request's end, parts and the starts after it are in its own gateway's journal
            }
        }
        return search.result();
    }

    /** One request's records, gathered while reading. */
    private static final class Search {
        final long requestId;
        final RecordDecoder decoder = new RecordDecoder();
        final Map<Integer, byte[]> parts = new TreeMap<>();
        RequestRecord request;
        EndRecord end;
        boolean bootAfterRequest;
        byte[] body;
        boolean digestOnly;
        final List<EvalRecord> evalRuns = new ArrayList<>();

        Search(long requestId) {
            this.requestId = requestId;
        }

        /** Reads on until the request's end (its parts come before it), or to the end of the journal. */
        void scan(MergedTailer tailer) {
            while (tailer.next()) {
                DirectBuffer record = tailer.record();
                if (!worthDecoding(record)) {
                    continue;
                }
                int type = decoder.load(record);
                if (type == RecordLayout.TYPE_REQUEST && decoder.request().requestId() == requestId) {
                    request = decoder.request();
                    body = copy(tailer.body());
                    digestOnly = tailer.bodyDropped();
                } else if (type == RecordLayout.TYPE_RESPONSE_PART
                    && decoder.responsePart().requestId() == requestId) {
                    parts.put(decoder.responsePart().sequence(), copy(tailer.body()));
                } else if (type == RecordLayout.TYPE_END && decoder.end().requestId() == requestId) {
                    end = decoder.end();
                    if (request != null && !EVAL_USE_CASE.equals(request.useCase())) {
                        return;
                    }
                } else if (type == RecordLayout.TYPE_EVAL && decoder.eval().holds(requestId)) {
                    // A sample of an evaluation: the runs it was recorded in come after its end.
                    evalRuns.add(decoder.eval());
                } else if (type == RecordLayout.TYPE_BOOT && request != null && end == null) {
                    bootAfterRequest = true;
                }
            }
        }

        /**
         * Whether the record can matter, judged from its type and request id without decoding it: most of a
         * journal is other requests' records.
         */
        private boolean worthDecoding(DirectBuffer record) {
            if (record.capacity() < RecordLayout.HEADER_BYTES) {
                return false;
            }
            byte type = record.getByte(1);
            if (type == RecordLayout.TYPE_REQUEST || type == RecordLayout.TYPE_RESPONSE_PART
                || type == RecordLayout.TYPE_END) {
                return record.capacity() >= RecordLayout.HEADER_BYTES + 8
                    && record.getLong(RecordLayout.HEADER_BYTES, RecordLayout.ORDER) == requestId;
            }
            if (type == RecordLayout.TYPE_BOOT) {
                return request != null && end == null;
            }
            return type == RecordLayout.TYPE_EVAL;
        }

        RequestHistory result() {
            if (request == null) {
                return null;
            }
            JournalEntry entry = new JournalEntry(request);
            if (end != null) {
                entry.end(end);
            } else if (bootAfterRequest) {
                entry.markInterrupted();
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (byte[] part : parts.values()) {
                joined.writeBytes(part);
            }
            RequestHistory h = new RequestHistory(entry, body == null || body.length == 0 ? null : body, digestOnly,
                joined.toByteArray(), parts.size());
            h.evalRuns = List.copyOf(evalRuns);
            return h;
        }
    }

    private static byte[] copy(DirectBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }

    /** The evaluation runs this request was recorded in as a sample (EVAL records), oldest first. */
    public List<EvalRecord> evalRuns() {
        return evalRuns;
    }

    /** The request and its end record (when written). */
    public JournalEntry entry() {
        return entry;
    }

    /** The captured request body (redacted), or null when it was not captured (or only its digest was kept). */
    public byte[] requestBody() {
        return requestBodyDigestOnly ? null : requestBody;
    }

    /** Whether only the request body's size and digest were kept. */
    public boolean requestBodyDigestOnly() {
        return requestBodyDigestOnly;
    }

    /** The captured answer as relayed (redacted), its parts joined; empty when none was captured. */
    public byte[] answer() {
        return answer;
    }

    /** Response parts found. */
    public int parts() {
        return parts;
    }

    /**
     * Whether this request matches the filters that need its end or its content: {@code model} (as requested or as
     * served), {@code outcome}, and {@code lowerCaseText} within the captured request body or answer text
     * (case-insensitive: the needle lower-cased by the caller). A null filter matches everything.
     */
    public boolean matches(String model, String outcome, String lowerCaseText) {
        if (!matches(entry, model, outcome)) {
            return false;
        }
        if (lowerCaseText == null) {
            return true;
        }
        byte[] body = requestBody();
        if (body != null && new String(body, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT).contains(lowerCaseText)) {
            return true;
        }
        return parts > 0 && assembledAnswer().text().toLowerCase(Locale.ROOT).contains(lowerCaseText);
    }

    /**
     * Whether {@code entry} asked for or was served by {@code model} and ended with {@code outcome} (each null:
     * any).
     */
    public static boolean matches(JournalEntry entry, String model, String outcome) {
        String served = entry.end() == null ? null : entry.end().servedModel();
        if (model != null && !model.equals(entry.request().requestedModel()) && !model.equals(served)) {
            return false;
        }
        return outcome == null || outcome.equals(entry.outcome());
    }

    /** The answer joined into text, tool calls, thinking and finish reason. */
    public CapturedAnswer assembledAnswer() {
        RequestRecord r = entry.request();
        return CapturedAnswer.assemble(answer, RequestRecord.endpointName(r.endpoint()), r.stream());
    }
}
