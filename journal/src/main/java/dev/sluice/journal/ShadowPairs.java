package dev.sluice.journal;

import static java.util.Objects.requireNonNull;

import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Shadow requests and their primaries, read from one or more journals ({@code sluice eval shadow-report}): every
 * REQUEST record in the period that shadows another, joined with its END record, its primary's records, and both
 * answers where the capture policy kept them. Two passes: the first finds the shadows, the second gathers their
 * primaries' and their own records and parts, so memory grows with the shadows, not the journal.
 * <p>
 * Confined to the reading thread.
 */
public final class ShadowPairs {
    /**
     * One shadow and its primary.
     *
     * @param primary       the primary's request and end (the end null while it is in flight, or when lost)
     * @param shadow        the shadow's request and end
     * @param primaryAnswer the primary's captured answer, or null
     * @param shadowAnswer  the shadow's captured answer, or null
     * @param request       the primary's captured request body (the shadow's differs only in its model), or null
     */
    public record Pair(JournalEntry primary, JournalEntry shadow, CapturedAnswer primaryAnswer,
                       CapturedAnswer shadowAnswer, byte[] request) {
        /** The alias or agent whose declaration sent the shadow. */
        public String source() {
            return shadow.request().shadowSource();
        }

        /** The alias the shadow went to. */
        public String target() {
            return shadow.request().requestedModel();
        }
    }

    private ShadowPairs() {
    }

    /**
     * The shadows journaled at or after {@code sinceMicros}, oldest first, with their primaries. A shadow whose
     * primary is not in the journals has a null primary.
     */
    public static List<Pair> read(List<Path> journalDirs, long sinceMicros) {
        requireNonNull(journalDirs, "journalDirs");
        List<Path> dirs = new ArrayList<>();
        for (Path d : journalDirs) {
            if (JournalReader.isJournal(d)) {
                dirs.add(d);
            }
        }
        if (dirs.isEmpty()) {
            return List.of();
        }
        Map<Long, Long> primaryOf = new LinkedHashMap<>();
        try (JournalReader r = JournalReader.open(dirs)) {
            RecordVisitor v = new RecordVisitor() {
                @Override
                public void onRequest(RequestRecord q) {
                    if (q.shadowOf() != 0 && q.wallTimeMicros() >= sinceMicros) {
                        primaryOf.put(q.requestId(), q.shadowOf());
                    }
                }
            };
            while (r.poll(v, 4096) > 0) {
                // read on
            }
        }
        if (primaryOf.isEmpty()) {
            return List.of();
        }
        Map<Long, Gathered> wanted = new HashMap<>();
        for (Map.Entry<Long, Long> e : primaryOf.entrySet()) {
            wanted.put(e.getKey(), new Gathered());
            wanted.putIfAbsent(e.getValue(), new Gathered());
        }
        RecordDecoder decoder = new RecordDecoder();
        try (MergedTailer t = MergedTailer.open(dirs)) {
            while (t.next()) {
                int type = decoder.load(t.record());
                if (type == RecordLayout.TYPE_REQUEST) {
                    Gathered g = wanted.get(decoder.request().requestId());
                    if (g != null) {
                        g.entry = new JournalEntry(decoder.request());
                        g.body = t.bodyLength() > 0 && !t.bodyDropped() ? copy(t.body()) : null;
                    }
                } else if (type == RecordLayout.TYPE_END) {
                    Gathered g = wanted.get(decoder.end().requestId());
                    if (g != null && g.entry != null) {
                        g.entry.end(decoder.end());
                    }
                } else if (type == RecordLayout.TYPE_RESPONSE_PART) {
                    Gathered g = wanted.get(decoder.responsePart().requestId());
                    if (g != null) {
                        g.parts.put(decoder.responsePart().sequence(), copy(t.body()));
                    }
                }
            }
        }
        List<Pair> out = new ArrayList<>();
        for (Map.Entry<Long, Long> e : primaryOf.entrySet()) {
            Gathered s = wanted.get(e.getKey());
            Gathered p = wanted.get(e.getValue());
            if (s.entry == null) {
                continue;
            }
            out.add(new Pair(p.entry, s.entry, p.answer(), s.answer(), p.body));
        }
        return out;
    }

    /** One request's records as the second pass finds them. */
    private static final class Gathered {
        JournalEntry entry;
        byte[] body;
        final Map<Integer, byte[]> parts = new TreeMap<>();

        CapturedAnswer answer() {
            if (entry == null || parts.isEmpty()) {
                return null;
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            for (byte[] part : parts.values()) {
                joined.writeBytes(part);
            }
            RequestRecord r = entry.request();
            return CapturedAnswer.assemble(joined.toByteArray(), RequestRecord.endpointName(r.endpoint()),
                    r.stream());
        }
    }

    private static byte[] copy(DirectBuffer buffer) {
        byte[] bytes = new byte[buffer.capacity()];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
