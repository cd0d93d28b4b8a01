package dev.sluice.journal.internal;

import static dev.sluice.journal.internal.RecordLayout.ORDER;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.agrona.DirectBuffer;

/**
 * How a record of schema version 4 or later sits in its Chronicle document, and how it is chained to the
 * previous record of its partition:
 * <pre>
 *   meta (metaLength bytes: version, type, fields)
 *   body (bodyLength bytes, when bodyForm is PRESENT) | SHA-256 of the body (32 bytes, when DROPPED)
 *   trailer: metaLength u32, bodyLength u32, bodyForm u8, hash (32 bytes)
 * </pre>
 * {@code hash = SHA-256(previous hash || meta || bodyLength as u32 || SHA-256(body))}; the first record of a
 * partition chains to 32 zero bytes. The chain covers the body through its digest only, so compaction can drop a
 * body (keeping its digest) and the chain still verifies. Every byte of the document is covered: the meta and the
 * body length directly, the body through its digest, the trailer's lengths and form because a wrong one moves
 * the meta or body boundary, the hash by the next record and the seals.
 * <p>
 * Thread-safe (constants and pure functions).
 */
public final class ChainLayout {
    /** The first schema version whose records carry the trailer. */
    public static final byte CHAINED_VERSION = 4;
    /** Bytes of a SHA-256 digest. */
    public static final int HASH_BYTES = 32;
    /** Bytes of the trailer. */
    public static final int TRAILER_BYTES = 4 + 4 + 1 + HASH_BYTES;
    /** The body is stored in full. */
    public static final byte BODY_PRESENT = 0;
    /** The body was dropped (compaction past retention): its digest stands in its place. */
    public static final byte BODY_DROPPED = 1;
    /** The digest of no bytes: the body digest of every record without a body. */
    static final byte[] EMPTY_DIGEST = sha256().digest();

    private ChainLayout() {
    }

    /** A new SHA-256 digest. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** Whether the document in {@code doc} (capacity = its length) is of a chained schema version. */
    public static boolean isChained(DirectBuffer doc) {
        return doc.capacity() > 0 && doc.getByte(0) >= CHAINED_VERSION;
    }

    /** The meta length the trailer of {@code doc} states, or -1 when the trailer does not fit the document. */
    public static int metaLength(DirectBuffer doc) {
        int length = doc.capacity();
        if (length < TRAILER_BYTES + RecordLayout.HEADER_BYTES) {
            return -1;
        }
        int trailer = length - TRAILER_BYTES;
        int metaLength = doc.getInt(trailer, ORDER);
        int bodyLength = doc.getInt(trailer + 4, ORDER);
        byte form = doc.getByte(trailer + 8);
        long stored = form == BODY_PRESENT ? bodyLength : form == BODY_DROPPED ? HASH_BYTES : -1;
        if (metaLength < RecordLayout.HEADER_BYTES || bodyLength < 0 || stored < 0
            || (long) metaLength + stored != trailer) {
            return -1;
        }
        return metaLength;
    }

    /** The body length the trailer states (of a document {@link #metaLength} accepted). */
    public static int bodyLength(DirectBuffer doc) {
        return doc.getInt(doc.capacity() - TRAILER_BYTES + 4, ORDER);
    }

    /** The body form the trailer states (of a document {@link #metaLength} accepted). */
    public static byte bodyForm(DirectBuffer doc) {
        return doc.getByte(doc.capacity() - TRAILER_BYTES + 8);
    }

    /** Where the stored hash starts (of a document {@link #metaLength} accepted). */
    public static int hashOffset(DirectBuffer doc) {
        return doc.capacity() - HASH_BYTES;
    }
}
