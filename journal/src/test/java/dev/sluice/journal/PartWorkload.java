package dev.sluice.journal;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;

/**
 * Requests with a captured body and an answer captured as several response parts, their content a function of the
 * request id, written interleaved as a gateway with many requests in flight would: a batch's requests, then the
 * first part of each, the second of each, ..., then the ends.
 */
final class PartWorkload {
    private final RequestRecord request = new RequestRecord();
    private final ResponsePartRecord part = new ResponsePartRecord();
    private final EndRecord end = new EndRecord();

    static byte[] requestBody(long id) {
        return ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"question " + id + "\"}]}")
            .getBytes(US_ASCII);
    }

    static byte[] part(long id, int sequence) {
        return ("data: {\"id\":\"" + id + "\",\"delta\":\"token " + sequence + " of " + id + "\"}\n\n")
            .getBytes(US_ASCII);
    }

    static byte[] answer(long id, int parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int s = 0; s < parts; s++) {
            out.writeBytes(part(id, s));
        }
        return out.toByteArray();
    }

    /** Appends requests {@code firstId .. firstId + count - 1}, each with {@code parts} parts, at {@code wallMicros}. */
    void write(JournalProducer producer, long firstId, int count, int parts, long wallMicros) {
        for (long id = firstId; id < firstId + count; id++) {
            byte[] body = requestBody(id);
            check(producer.append(Records.request(request, id, wallMicros).body(body, 0, body.length, false)));
        }
        for (int s = 0; s < parts; s++) {
            for (long id = firstId; id < firstId + count; id++) {
                byte[] bytes = part(id, s);
                check(producer.append(part.set(id, wallMicros + s + 1, s, bytes, 0, bytes.length)));
            }
        }
        for (long id = firstId; id < firstId + count; id++) {
            check(producer.append(Records.ok(end, id, wallMicros + parts + 1)));
        }
    }

    /**
     * As {@link #write}, in chunks of {@value #CHUNK} requests with a short pause between: interval seals are signed
     * off the writer's thread and must sign a head within the verifier's window of recent heads, which a writer
     * appending flat out on a busy machine can outrun.
     */
    void writePaced(JournalProducer producer, long firstId, int count, int parts, long wallMicros) {
        for (int done = 0; done < count; done += CHUNK) {
            write(producer, firstId + done, Math.min(CHUNK, count - done), parts, wallMicros);
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
    }

    private static final int CHUNK = 200;

    private static void check(long position) {
        if (position == JournalProducer.FULL) {
            throw new IllegalStateException("append: FULL (expected: a position)");
        }
    }
}
