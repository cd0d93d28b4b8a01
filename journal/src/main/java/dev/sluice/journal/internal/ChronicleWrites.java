package dev.sluice.journal.internal;

import static java.util.Objects.requireNonNull;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Appends one record as one Chronicle document, all or nothing, chained to the previous record of its partition
 * ({@link ChainLayout}): on any failure inside the document the document is rolled back ({@code rollbackOnClose})
 * and the chain does not move, so readers never see a half-written record and the chain never skips one. Seals
 * ({@link ChainSeal}) are written when due: first in a new roll cycle, after {@link Chain#SEAL_EVERY_RECORDS}
 * records, after a writer took over an unsealed partition, and on {@link #sealAndClose()}.
 * <p>
 * Confined to the thread that owns the appender (one instance per appender; the chain may pass from one instance
 * to the next, one at a time).
 */
public final class ChronicleWrites {
    private final ExcerptAppender appender;
    private final SingleChronicleQueue queue;
    private final Chain chain;
    private final byte[] trailer = new byte[ChainLayout.TRAILER_BYTES];
    private final UnsafeBuffer trailerView = new UnsafeBuffer(trailer);
    private final UnsafeBuffer sealScratch = new UnsafeBuffer(new byte[ChainSeal.META_BYTES]);
    private byte[] scratch = new byte[16 * 1024];
    private final WrittenPages pages = new WrittenPages();

    public ChronicleWrites(SingleChronicleQueue queue, Chain chain) {
        this.queue = requireNonNull(queue, "queue");
        this.chain = requireNonNull(chain, "chain");
        this.appender = queue.createAppender();
    }

    private static final int DIGEST_ONLY = 1 << 30;

    /** The ring message type of a record: its meta length, and whether only its body's digest is kept. */
    public static int messageType(int metaLength, boolean bodyDigestOnly) {
        return bodyDigestOnly ? metaLength | DIGEST_ONLY : metaLength;
    }

    /**
     * Appends {@code length} bytes of {@code src} at {@code index}: a record's meta, then its body, as
     * {@link #messageType} described them.
     *
     * @throws RuntimeException when the write failed; nothing of the record is in the queue then
     */
    public void append(DirectBuffer src, int index, int messageType, int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        src.getBytes(index, scratch, 0, length);
        int metaLength = messageType & ~DIGEST_ONLY;
        append(scratch, 0, metaLength, scratch, metaLength, length - metaLength, (messageType & DIGEST_ONLY) != 0);
    }

    /** Appends a record without a body, {@code src[offset, offset + length)}; nothing of it is written on a throw. */
    public void append(byte[] src, int offset, int length) {
        append(src, offset, length, src, offset + length, 0, false);
    }

    /**
     * Appends a record: its meta, then its body (possibly empty), or only the body's digest when
     * {@code bodyDigestOnly}. Nothing of it is in the queue on a throw.
     */
    public void append(byte[] meta, int metaOffset, int metaLength, byte[] body, int bodyOffset, int bodyLength,
                       boolean bodyDigestOnly) {
        // The queue's cycle is computed from the clock: asked only when a roll needs a seal.
        int reason = chain.seals() ? chain.sealDueBefore(queue.cycle()) : 0;
        if (reason != 0) {
            writeSeal(reason);
        } else {
            int signed = chain.encodeSignedLater(sealScratch);
            if (signed > 0) {
                writeChained(sealScratch.byteArray(), 0, signed, sealScratch.byteArray(), 0, 0, false);
            }
        }
        writeChained(meta, metaOffset, metaLength, body, bodyOffset, bodyLength, bodyDigestOnly);
        if (chain.countRecord()) {
            writeSeal(ChainSeal.REASON_INTERVAL);
        }
    }

    private void writeSeal(int reason) {
        int length = chain.encodeSeal(sealScratch, reason);
        writeChained(sealScratch.byteArray(), 0, length, sealScratch.byteArray(), 0, 0, false);
        chain.sealed();
    }

    private void writeChained(byte[] meta, int metaOffset, int metaLength, byte[] body, int bodyOffset,
                              int bodyLength, boolean bodyDigestOnly) {
        byte[] bodyDigest = chain.digestBody(body, bodyOffset, bodyLength);
        chain.computeNext(meta, metaOffset, metaLength, bodyLength, bodyDigest);
        trailerView.putInt(0, metaLength, RecordLayout.ORDER);
        trailerView.putInt(4, bodyLength, RecordLayout.ORDER);
        trailerView.putByte(8, bodyDigestOnly ? ChainLayout.BODY_DROPPED : ChainLayout.BODY_PRESENT);
        trailerView.putBytes(9, chain.next);
        DocumentContext dc = appender.writingDocument();
        Bytes<?> bytes;
        try {
            bytes = dc.wire().bytes();
            bytes.write(meta, metaOffset, metaLength);
            if (bodyDigestOnly) {
                bytes.write(bodyDigest);
            } else if (bodyLength > 0) {
                bytes.write(body, bodyOffset, bodyLength);
            }
            bytes.write(trailer);
        } catch (RuntimeException | Error e) {
            dc.rollbackOnClose();
            dc.close();
            throw e;
        }
        dc.close();
        chain.commit();
        chain.lastCycle = appender.cycle();
        pages.written(bytes);
    }

    /** Lets the thread that calls next become this appender's owner (it was created on another thread). */
    public void rebindToCallingThread() {
        appender.singleThreadedCheckReset();
    }

    /** Seals the chain head (when the chain signs and something was written since the last seal), then closes. */
    public void sealAndClose() {
        try {
            if (chain.hasUnsealed()) {
                writeSeal(ChainSeal.REASON_CLOSE);
            }
        } finally {
            close();
        }
    }

    /** Releases the appender. */
    public void close() {
        try {
            pages.close();
        } finally {
            appender.close();
        }
    }
}
