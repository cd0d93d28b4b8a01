package dev.sluice.journal.internal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

/**
 * Appends one encoded record as one Chronicle document, all or nothing: on any failure inside the document the
 * document is rolled back ({@code rollbackOnClose}), so readers never see a half-written record.
 * <p>
 * Confined to the thread that owns the appender (one instance per appender).
 */
public final class ChronicleWrites {
    private final ExcerptAppender appender;
    private byte[] scratch = new byte[16 * 1024];

    public ChronicleWrites(ExcerptAppender appender) {
        this.appender = appender;
    }

    /**
     * Appends {@code length} bytes of {@code src} at {@code index} as one document.
     *
     * @throws RuntimeException when the write failed; nothing of the record is in the queue then
     */
    public void append(DirectBuffer src, int index, int length) {
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        src.getBytes(index, scratch, 0, length);
        append(scratch, 0, length);
    }

    /** Appends {@code src[offset, offset + length)} as one document; nothing of it is in the queue on a throw. */
    public void append(byte[] src, int offset, int length) {
        DocumentContext dc = appender.writingDocument();
        try {
            Bytes<?> bytes = dc.wire().bytes();
            bytes.write(src, offset, length);
        } catch (RuntimeException | Error e) {
            dc.rollbackOnClose();
            throw e;
        } finally {
            dc.close();
        }
    }

    /** Lets the thread that calls next become this appender's owner (it was created on another thread). */
    public void rebindToCallingThread() {
        appender.singleThreadedCheckReset();
    }

    /** Releases the appender. */
    public void close() {
        appender.close();
    }
}
