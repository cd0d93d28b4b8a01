package dev.sluice.journal;

import org.agrona.MutableDirectBuffer;

/** A record that encodes itself into the producer's ring. Confined to the producer thread. */
abstract class EncodedRecord {
    /** Returns the encoded size in bytes. */
    abstract int encodedLength();

    /** Bytes of the body that follows the meta in the encoding (captured content); 0 for most records. */
    int bodyLength() {
        return 0;
    }

    /** Whether the journal keeps only the body's size and digest, not its bytes. */
    boolean bodyDigestOnly() {
        return false;
    }

    /** Encodes the meta, then the body, at {@code index}; returns the bytes written. */
    abstract int encode(MutableDirectBuffer dst, int index);
}
