package dev.sluice.journal.internal;

import static dev.sluice.journal.internal.RecordLayout.ORDER;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.agrona.DirectBuffer;

/**
 * How a record of schema version 4 or later sits in its Chronicle document, and how it is chained to the
 * previous record of its partition:
 * <pre>
 *   meta (metaLength bytes: version, type, fields)
 *   body (bodyLength bytes, when bodyForm is PRESENT) | SHA-256 of the body (32 bytes, when DROPPED)
 *     | the body deflated (zlib format, the rest of the document before the trailer, when DEFLATED)
 *   trailer: metaLength u32, bodyLength u32, bodyForm u8, hash (32 bytes)
 * </pre>
 * {@code hash = SHA-256(previous hash || meta || bodyLength as u32 || SHA-256(body))}; the first record of a
 * partition chains to 32 zero bytes. The chain covers the body through its digest only, so compaction can drop a
 * body (keeping its digest) and the chain still verifies. Every byte of the document is covered: the meta and the
 * body length directly, the body through its digest, the trailer's lengths and form because a wrong one moves
 * the meta or body boundary, the hash by the next record and the seals. For a deflated body (compaction stores
 * bodies so, and re-chains the cycles it rewrites) the digest in the formula is
 * {@code SHA-256(SHA-256(body) || deflated bytes)}: it covers the body as written, which readers and the verifier
 * inflate, and every stored byte too, also the padding bits of the last deflate byte, which inflating ignores.
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
    /** The body is stored deflated (zlib format); {@code bodyLength} is its length inflated. */
    public static final byte BODY_DEFLATED = 2;
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
        long stored = form == BODY_PRESENT ? bodyLength : form == BODY_DROPPED ? HASH_BYTES
            : form == BODY_DEFLATED && bodyLength > 0 ? (long) trailer - metaLength : -1;
        if (metaLength < RecordLayout.HEADER_BYTES || bodyLength < 0 || stored <= 0 && form == BODY_DEFLATED
            || stored < 0 || (long) metaLength + stored != trailer) {
            return -1;
        }
        return metaLength;
    }

    /** The digest a deflated body enters the chain with: of its inflated digest and its stored bytes. */
    public static byte[] deflatedDigest(MessageDigest sha, byte[] inflatedDigest, byte[] stored, int offset,
                                        int length) {
        sha.reset();
        sha.update(inflatedDigest);
        sha.update(stored, offset, length);
        return sha.digest();
    }

    /** How many bytes the body takes in the document (of a document {@link #metaLength} accepted). */
    public static int storedLength(DirectBuffer doc, int metaLength) {
        return doc.capacity() - TRAILER_BYTES - metaLength;
    }

    /**
     * Inflates a deflated body, {@code src[offset, offset + length)}, into {@code dst[0, bodyLength)}.
     *
     * @return whether it inflated to exactly {@code bodyLength} bytes; false for a damaged or altered body
     */
    public static boolean inflate(Inflater inflater, byte[] src, int offset, int length, byte[] dst,
                                  int bodyLength) {
        inflater.reset();
        inflater.setInput(src, offset, length);
        try {
            int n = 0;
            while (n < bodyLength) {
                int got = inflater.inflate(dst, n, bodyLength - n);
                if (got == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    return false;
                }
                n += got;
            }
            // Exactly bodyLength bytes, and the stream ends there with its checksum.
            if (!inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                return false;
            }
            return inflater.finished() && inflater.getRemaining() == 0;
        } catch (DataFormatException e) {
            return false;
        }
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
