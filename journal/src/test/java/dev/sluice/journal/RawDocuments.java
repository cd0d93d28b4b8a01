package dev.sluice.journal;

import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.DirectBuffer;

/** Writes documents as a gateway of an older schema (before chains) did: the record's bytes alone. */
final class RawDocuments {
    private final ExcerptAppender appender;

    RawDocuments(ExcerptAppender appender) {
        this.appender = appender;
    }

    void append(DirectBuffer src, int index, int length) {
        byte[] bytes = new byte[length];
        src.getBytes(index, bytes);
        append(bytes, 0, length);
    }

    void append(byte[] src, int offset, int length) {
        try (DocumentContext dc = appender.writingDocument()) {
            dc.wire().bytes().write(src, offset, length);
        }
    }

    void close() {
        appender.close();
    }
}
