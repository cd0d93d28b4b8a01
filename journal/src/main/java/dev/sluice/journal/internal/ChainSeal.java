package dev.sluice.journal.internal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The meta of a seal record: the writer's signature of its partition's chain head, written every
 * {@link Chain#SEAL_EVERY_RECORDS} records, first in every roll cycle, when a writer opens a partition and when it
 * closes it. Layout after the header: wall time (8), reason (1), the head it signs (32: the hash of the record
 * before the seal), the key fingerprint (8), the Ed25519 signature (64).
 * <p>
 * Thread-safe (constants and pure functions).
 */
public final class ChainSeal {
    /** Sealed after {@link Chain#SEAL_EVERY_RECORDS} records. */
    public static final int REASON_INTERVAL = 1;
    /** Sealed as the first record of a new roll cycle (the head is the previous cycle's last record). */
    public static final int REASON_ROLL = 2;
    /** Sealed when a writer took the partition over (a crash may have left its tail unsigned). */
    public static final int REASON_OPEN = 3;
    /** Sealed when the writer closed. */
    public static final int REASON_CLOSE = 4;
    /**
     * Sealed by compaction first in a cycle it rewrote: signs the original chain head before the cycle (the anchor
     * the rewritten records chain from), or the head of the cycles it removed.
     */
    public static final int REASON_COMPACTION = 5;
    /**
     * Sealed by compaction last in a cycle it rewrote: signs the rewritten chain's head together with the original
     * head at the end of the cycle ({@link #originalHead}), from which the next cycle's records chain on.
     */
    public static final int REASON_COMPACTION_END = 6;

    static final int REASON_OFFSET = HEADER_BYTES + 8;
    static final int HEAD_OFFSET = REASON_OFFSET + 1;
    static final int FINGERPRINT_OFFSET = HEAD_OFFSET + ChainLayout.HASH_BYTES;
    static final int SIGNATURE_OFFSET = FINGERPRINT_OFFSET + JournalSigner.FINGERPRINT_BYTES;
    /** Bytes of a seal's meta. */
    public static final int META_BYTES = SIGNATURE_OFFSET + JournalSigner.SIGNATURE_BYTES;
    /** Bytes of a {@link #REASON_COMPACTION_END} seal's meta: a seal's, then the original head. */
    public static final int COMPACTION_END_META_BYTES = META_BYTES + ChainLayout.HASH_BYTES;

    private ChainSeal() {
    }

    /** Encodes a seal's meta at {@code index}; returns its length. */
    static int encode(MutableDirectBuffer dst, int index, long wallTimeMicros, int reason, byte[] head,
                      byte[] fingerprint, byte[] signature) {
        dst.putByte(index, RecordLayout.VERSION);
        dst.putByte(index + 1, RecordLayout.TYPE_SEAL);
        dst.putLong(index + HEADER_BYTES, wallTimeMicros, ORDER);
        dst.putByte(index + REASON_OFFSET, (byte) reason);
        dst.putBytes(index + HEAD_OFFSET, head);
        dst.putBytes(index + FINGERPRINT_OFFSET, fingerprint, 0, JournalSigner.FINGERPRINT_BYTES);
        dst.putBytes(index + SIGNATURE_OFFSET, signature, 0, JournalSigner.SIGNATURE_BYTES);
        return META_BYTES;
    }

    /**
     * Encodes a {@link #REASON_COMPACTION_END} seal's meta at {@code index}; {@code signature} signs
     * {@link #signedHead} of it. Returns its length.
     */
    static int encodeCompactionEnd(MutableDirectBuffer dst, int index, long wallTimeMicros, byte[] head,
                                   byte[] originalHead, byte[] fingerprint, byte[] signature) {
        encode(dst, index, wallTimeMicros, REASON_COMPACTION_END, head, fingerprint, signature);
        dst.putBytes(index + META_BYTES, originalHead, 0, ChainLayout.HASH_BYTES);
        return COMPACTION_END_META_BYTES;
    }

    /** The meta length a seal of {@code reason} has. */
    public static int metaBytes(int reason) {
        return reason == REASON_COMPACTION_END ? COMPACTION_END_META_BYTES : META_BYTES;
    }

    /** The original head a {@link #REASON_COMPACTION_END} seal states: where the chain continues after it. */
    public static byte[] originalHead(DirectBuffer meta) {
        byte[] head = new byte[ChainLayout.HASH_BYTES];
        meta.getBytes(META_BYTES, head);
        return head;
    }

    /** What the signature covers: the head, and for a compaction-end seal the original head after it. */
    public static byte[] signedHead(DirectBuffer meta) {
        byte[] head = head(meta);
        if (reason(meta) != REASON_COMPACTION_END) {
            return head;
        }
        return concat(head, originalHead(meta));
    }

    /** {@code head || originalHead}: what a compaction-end seal signs. */
    static byte[] concat(byte[] head, byte[] originalHead) {
        byte[] both = new byte[2 * ChainLayout.HASH_BYTES];
        System.arraycopy(head, 0, both, 0, ChainLayout.HASH_BYTES);
        System.arraycopy(originalHead, 0, both, ChainLayout.HASH_BYTES, ChainLayout.HASH_BYTES);
        return both;
    }

    public static long wallTimeMicros(DirectBuffer meta) {
        return meta.getLong(HEADER_BYTES, ORDER);
    }

    public static int reason(DirectBuffer meta) {
        return meta.getByte(REASON_OFFSET);
    }

    public static byte[] head(DirectBuffer meta) {
        byte[] head = new byte[ChainLayout.HASH_BYTES];
        meta.getBytes(HEAD_OFFSET, head);
        return head;
    }

    public static byte[] fingerprint(DirectBuffer meta) {
        byte[] fingerprint = new byte[JournalSigner.FINGERPRINT_BYTES];
        meta.getBytes(FINGERPRINT_OFFSET, fingerprint);
        return fingerprint;
    }

    public static byte[] signature(DirectBuffer meta) {
        byte[] signature = new byte[JournalSigner.SIGNATURE_BYTES];
        meta.getBytes(SIGNATURE_OFFSET, signature);
        return signature;
    }

    /** A reason's name, for verify's report. */
    public static String reasonName(int reason) {
        switch (reason) {
            case REASON_INTERVAL: return "interval";
            case REASON_ROLL: return "roll";
            case REASON_OPEN: return "open";
            case REASON_CLOSE: return "close";
            case REASON_COMPACTION: return "compaction";
            case REASON_COMPACTION_END: return "compaction-end";
            default: return "unknown(" + reason + ")";
        }
    }
}
