package dev.sluice.journal.internal;

import java.security.DigestException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The hash chain of one partition as its writer sees it ({@link ChainLayout}): the hash of the last record
 * written, and when the next seal is due ({@link ChainSeal}). Recovered from the partition's last record when a
 * writer opens it, so a restarted gateway continues the chain; a writer that finds an unsealed tail (a crash)
 * seals it before its first record.
 * <p>
 * Confined to the partition's one writer at a time (the control partition's is guarded by the journal's lock).
 */
public final class Chain {
    /** Records between two interval seals. An Ed25519 signature costs tens of microseconds: amortised to nothing. */
    public static final int SEAL_EVERY_RECORDS = 1000;
    /**
     * The least time between two interval seals of a partition: under heavy load a seal every 1,000 records would
     * be hundreds of signatures a second (each some 15 KB of garbage on the sealer thread) for no more evidence;
     * one a second bounds what a crash can leave unsigned to a second of records, or 1,000 when that is more.
     */
    public static final long SEAL_MIN_INTERVAL_MS = TimeUnit.SECONDS.toMillis(1);
    static final int NO_CYCLE = Integer.MIN_VALUE;

    final MessageDigest digest = ChainLayout.sha256();
    final byte[] head = new byte[ChainLayout.HASH_BYTES];
    /** The hash of the record being written; becomes the head once the write succeeded. */
    final byte[] next = new byte[ChainLayout.HASH_BYTES];
    final byte[] bodyDigest = new byte[ChainLayout.HASH_BYTES];
    final byte[] lengthBytes = new byte[4];
    private static final int IDLE = 0;
    private static final int SIGNING = 1;
    private static final int SIGNED = 2;

    private final JournalSigner signer;
    private final Clock clock;
    private final Sealer sealer;
    private int sinceSeal;
    private long lastSealMs;
    private int pendingSeal;
    int lastCycle = NO_CYCLE;
    /** An interval seal signed off this thread: the head it signs, when, the signature; see {@link #sealLater}. */
    private final byte[] laterHead = new byte[ChainLayout.HASH_BYTES];
    private volatile int laterState = IDLE;
    private long laterWallMicros;
    private byte[] laterSignature;
    private final Runnable signLater = this::signLater;

    private Chain(JournalSigner signer, Clock clock, Sealer sealer) {
        this.signer = signer != null && signer.canSign() ? signer : null;
        this.clock = clock;
        this.sealer = sealer;
        this.lastSealMs = clock.millis();
    }

    /**
     * The chain of {@code queue}, continued from its last record (a fresh chain for an empty queue or one written
     * before chains existed).
     *
     * @param signer the key that signs chain heads, or null to chain without seals
     */
    public static Chain recover(SingleChronicleQueue queue, JournalSigner signer, Clock clock) {
        return recover(queue, signer, clock, null);
    }

    /**
     * As {@link #recover(SingleChronicleQueue, JournalSigner, Clock)}, with interval seals signed by {@code sealer}
     * (null: on the writer's thread).
     */
    public static Chain recover(SingleChronicleQueue queue, JournalSigner signer, Clock clock, Sealer sealer) {
        Chain chain = new Chain(signer, clock, sealer);
        try (ExcerptTailer tailer = queue.createTailer()) {
            tailer.direction(TailerDirection.BACKWARD).toEnd();
            try (DocumentContext dc = tailer.readingDocument()) {
                if (!dc.isPresent()) {
                    return chain;
                }
                Bytes<?> bytes = dc.wire().bytes();
                byte[] copy = new byte[(int) bytes.readRemaining()];
                bytes.read(copy);
                UnsafeBuffer doc = new UnsafeBuffer(copy);
                chain.lastCycle = queue.rollCycle().toCycle(dc.index());
                if (ChainLayout.isChained(doc) && ChainLayout.metaLength(doc) > 0) {
                    doc.getBytes(ChainLayout.hashOffset(doc), chain.head);
                    boolean closedClean = doc.getByte(1) == RecordLayout.TYPE_SEAL
                        && ChainSeal.reason(doc) == ChainSeal.REASON_CLOSE;
                    chain.pendingSeal = closedClean ? 0 : ChainSeal.REASON_OPEN;
                } else {
                    // Written before chains (or a torn last record): the chain starts afresh with the next record.
                    chain.pendingSeal = 0;
                }
            }
        }
        return chain;
    }

    /** Whether this chain's heads are signed. */
    public boolean signs() {
        return signer != null;
    }

    /** Whether chain heads are sealed (a signing key is loaded): only then does the cycle of a record matter. */
    boolean seals() {
        return signer != null;
    }

    /** The reason of the seal due before a record written in {@code cycle}, or 0 when none is due. */
    int sealDueBefore(int cycle) {
        if (signer == null) {
            return 0;
        }
        if (pendingSeal != 0) {
            return pendingSeal;
        }
        return lastCycle != NO_CYCLE && cycle != lastCycle ? ChainSeal.REASON_ROLL : 0;
    }

    /**
     * Counts a record written; answers whether an interval seal is due after it and must be signed now (there is no
     * sealer). With a sealer, the head is handed to it instead, and the seal follows a few records later
     * ({@link #signedLater}).
     */
    boolean countRecord() {
        // The clock is read once per SEAL_EVERY_RECORDS records, never per record; a clock set back seals at once.
        if (signer == null || ++sinceSeal % SEAL_EVERY_RECORDS != 0) {
            return false;
        }
        long sinceLastMs = clock.millis() - lastSealMs;
        if (sinceLastMs >= 0 && sinceLastMs < SEAL_MIN_INTERVAL_MS) {
            return false;
        }
        if (sealer == null) {
            return true;
        }
        if (laterState == IDLE) {
            System.arraycopy(head, 0, laterHead, 0, ChainLayout.HASH_BYTES);
            laterWallMicros = nowMicros();
            laterState = SIGNING;
            sinceSeal = 0;
            lastSealMs = clock.millis();
            sealer.submit(signLater);
        }
        return false;
    }

    /** Hands the sealer's work back: runs on the sealer's thread. */
    private void signLater() {
        laterSignature = signer.sign(laterWallMicros, ChainSeal.REASON_INTERVAL, laterHead);
        // The volatile write publishes the signature to the writer, which reads the state first.
        laterState = SIGNED;
    }

    /**
     * Encodes the seal the sealer signed into {@code dst} at 0 and returns its meta length, or 0 when none is ready.
     * It signs a head some records back (see {@link #countRecord}): verify finds it among the heads before it.
     */
    int encodeSignedLater(UnsafeBuffer dst) {
        if (laterState != SIGNED) {
            return 0;
        }
        int length = ChainSeal.encode(dst, 0, laterWallMicros, ChainSeal.REASON_INTERVAL, laterHead,
            signer.fingerprintBytes(), laterSignature);
        laterState = IDLE;
        return length;
    }

    /** Whether records were written since the last seal, or a crashed writer's tail awaits one. */
    boolean hasUnsealed() {
        return signer != null && (sinceSeal > 0 || pendingSeal != 0);
    }

    /** Asks for a seal before the next record (the writer is closing, or was told to). */
    void sealNext(int reason) {
        if (signer != null) {
            pendingSeal = reason;
        }
    }

    /** Encodes a seal of the current head into {@code dst} at 0; returns its meta length. */
    int encodeSeal(UnsafeBuffer dst, int reason) {
        long wallTimeMicros = nowMicros();
        byte[] signature = signer.sign(wallTimeMicros, reason, head);
        return ChainSeal.encode(dst, 0, wallTimeMicros, reason, head, signer.fingerprint(), signature);
    }

    /** Called once a seal is written (synchronously signed). */
    void sealed() {
        sinceSeal = 0;
        lastSealMs = clock.millis();
        pendingSeal = 0;
    }

    /** Computes the next record's hash into {@link #next}: {@code SHA-256(head || meta || bodyLength || bodyDigest)}. */
    void computeNext(byte[] meta, int metaOffset, int metaLength, int bodyLength, byte[] digestOfBody) {
        digest.update(head);
        digest.update(meta, metaOffset, metaLength);
        lengthBytes[0] = (byte) bodyLength;
        lengthBytes[1] = (byte) (bodyLength >>> 8);
        lengthBytes[2] = (byte) (bodyLength >>> 16);
        lengthBytes[3] = (byte) (bodyLength >>> 24);
        digest.update(lengthBytes);
        digest.update(digestOfBody);
        try {
            digest.digest(next, 0, ChainLayout.HASH_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The record whose hash is {@link #next} is written: it is the head now. */
    void commit() {
        System.arraycopy(next, 0, head, 0, ChainLayout.HASH_BYTES);
    }

    /** Digests a body into {@link #bodyDigest}. */
    byte[] digestBody(byte[] body, int offset, int length) {
        if (length == 0) {
            return ChainLayout.EMPTY_DIGEST;
        }
        digest.update(body, offset, length);
        try {
            digest.digest(bodyDigest, 0, ChainLayout.HASH_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
        return bodyDigest;
    }

    private long nowMicros() {
        Instant now = clock.instant();
        return TimeUnit.SECONDS.toMicros(now.getEpochSecond()) + now.getNano() / 1000;
    }
}
