package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_RESPONSE_PART;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Part of an answer as it was relayed to the client (after redaction), captured under {@link Capture#FULL}: the
 * bytes of one or more provider reads, in order. The parts of a request, joined, are its answer; readers join them
 * (and compaction folds them into one). Layout after the header: request id (8), wall time (8), sequence number
 * within the request (4); the bytes are the record's body.
 * <p>
 * Confined to the producer thread; reused.
 */
public final class ResponsePartRecord extends EncodedRecord {
    static final int META_BYTES = HEADER_BYTES + 8 + 8 + 4;

    private long requestId;
    private long wallTimeMicros;
    private int sequence;
    private byte[] bytes;
    private int offset;
    private int length;

    /**
     * Sets every field; {@code src[offset, offset + length)} is read (not copied) when the record is appended.
     */
    public ResponsePartRecord set(long requestId, long wallTimeMicros, int sequence, byte[] src, int offset,
                                  int length) {
        this.requestId = requestId;
        this.wallTimeMicros = wallTimeMicros;
        this.sequence = sequence;
        this.bytes = src;
        this.offset = offset;
        this.length = length;
        return this;
    }

    public long requestId() {
        return requestId;
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    /** The part's place among its request's parts, from 0. */
    public int sequence() {
        return sequence;
    }

    @Override
    int bodyLength() {
        return length;
    }

    @Override
    int encodedLength() {
        return META_BYTES + length;
    }

    @Override
    int encode(MutableDirectBuffer dst, int index) {
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_RESPONSE_PART);
        dst.putLong(index + HEADER_BYTES, requestId, ORDER);
        dst.putLong(index + HEADER_BYTES + 8, wallTimeMicros, ORDER);
        dst.putInt(index + HEADER_BYTES + 16, sequence, ORDER);
        if (length > 0) {
            dst.putBytes(index + META_BYTES, bytes, offset, length);
        }
        return META_BYTES + length;
    }

    /** Decodes the meta after the header (the bytes are the record's body, read apart). */
    ResponsePartRecord decodeMeta(DirectBuffer src, int index) {
        requestId = src.getLong(index, ORDER);
        wallTimeMicros = src.getLong(index + 8, ORDER);
        sequence = src.getInt(index + 16, ORDER);
        bytes = null;
        offset = 0;
        length = 0;
        return this;
    }

    @Override
    public String toString() {
        return "ResponsePartRecord{" + RequestIds.format(requestId) + ", sequence=" + sequence + '}';
    }
}
