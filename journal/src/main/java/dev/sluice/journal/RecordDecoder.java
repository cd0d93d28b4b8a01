package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.MIN_READ_VERSION;
import static dev.sluice.journal.internal.RecordLayout.TYPE_ADMIN;
import static dev.sluice.journal.internal.RecordLayout.TYPE_BOOT;
import static dev.sluice.journal.internal.RecordLayout.TYPE_CONFIG;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.TYPE_REQUEST;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Decodes journal documents into new record objects, of every schema version from
 * {@link dev.sluice.journal.internal.RecordLayout#MIN_READ_VERSION} to the current one. Unknown versions and
 * types, and bodies that do not parse, are reported as {@link #UNDECODABLE} so a reader can count and skip them.
 * <p>
 * Confined to the reading thread.
 */
final class RecordDecoder {
    static final int UNDECODABLE = -1;

    private byte[] scratch = new byte[16 * 1024];
    private final UnsafeBuffer view = new UnsafeBuffer(scratch);
    private int length;
    private Object decoded;

    /** Loads the document's bytes and decodes them; returns the record type or {@link #UNDECODABLE}. */
    int load(DocumentContext dc) {
        Bytes<?> bytes = dc.wire().bytes();
        long remaining = bytes.readRemaining();
        if (remaining < HEADER_BYTES || remaining > Integer.MAX_VALUE) {
            return UNDECODABLE;
        }
        length = (int) remaining;
        if (scratch.length < length) {
            scratch = new byte[length];
            view.wrap(scratch);
        }
        bytes.read(scratch, 0, length);
        return decode();
    }

    private int decode() {
        byte version = scratch[0];
        if (version < MIN_READ_VERSION || version > VERSION) {
            return UNDECODABLE;
        }
        byte type = scratch[1];
        try {
            view.wrap(scratch, 0, length);
            switch (type) {
                case TYPE_REQUEST:
                    decoded = new RequestRecord().decodeBody(view, HEADER_BYTES);
                    return type;
                case TYPE_END:
                    decoded = new EndRecord().decodeBody(view, HEADER_BYTES, version);
                    return type;
                case TYPE_BOOT:
                    decoded = BootRecord.decodeBody(view, HEADER_BYTES);
                    return type;
                case TYPE_CONFIG:
                    decoded = ConfigRecord.decodeBody(view, HEADER_BYTES);
                    return type;
                case TYPE_ADMIN:
                    decoded = AdminRecord.decodeBody(view, HEADER_BYTES);
                    return type;
                default:
                    return UNDECODABLE;
            }
        } catch (RuntimeException e) {
            // Truncated or corrupt body: bounds checks of the buffer or a bad enum id.
            return UNDECODABLE;
        } finally {
            view.wrap(scratch);
        }
    }

    RequestRecord request() {
        return (RequestRecord) decoded;
    }

    EndRecord end() {
        return (EndRecord) decoded;
    }

    BootRecord boot() {
        return (BootRecord) decoded;
    }

    ConfigRecord config() {
        return (ConfigRecord) decoded;
    }

    AdminRecord admin() {
        return (AdminRecord) decoded;
    }
}
