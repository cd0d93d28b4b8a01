package dev.sluice.journal;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import dev.sluice.journal.internal.MergedTailer;
import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;

/** What a journal holds of each request's captured content: its request body and its answer (parts joined). */
final class Answers {
    final Map<Long, byte[]> requestBodies = new HashMap<>();
    final Map<Long, byte[]> answers = new HashMap<>();
    final Set<Long> droppedRequestBodies = new HashSet<>();
    final Set<Long> droppedAnswers = new HashSet<>();
    long partRecords;

    static Answers read(Path journalDir) {
        Answers a = new Answers();
        Map<Long, TreeMap<Integer, byte[]>> parts = new HashMap<>();
        try (MergedTailer tailer = MergedTailer.open(journalDir)) {
            while (tailer.next()) {
                DirectBuffer meta = tailer.record();
                byte type = meta.getByte(1);
                if (type != RecordLayout.TYPE_REQUEST && type != RecordLayout.TYPE_RESPONSE_PART) {
                    continue;
                }
                long id = meta.getLong(RecordLayout.HEADER_BYTES, RecordLayout.ORDER);
                DirectBuffer body = tailer.body();
                byte[] bytes = new byte[body.capacity()];
                body.getBytes(0, bytes);
                if (type == RecordLayout.TYPE_REQUEST) {
                    if (tailer.bodyDropped()) {
                        a.droppedRequestBodies.add(id);
                    } else {
                        a.requestBodies.put(id, bytes);
                    }
                    continue;
                }
                a.partRecords++;
                if (tailer.bodyDropped()) {
                    a.droppedAnswers.add(id);
                } else {
                    int sequence = meta.getInt(RecordLayout.HEADER_BYTES + 16, RecordLayout.ORDER);
                    parts.computeIfAbsent(id, k -> new TreeMap<>()).put(sequence, bytes);
                }
            }
        }
        parts.forEach((id, bySequence) -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            bySequence.values().forEach(out::writeBytes);
            a.answers.put(id, out.toByteArray());
        });
        return a;
    }
}
