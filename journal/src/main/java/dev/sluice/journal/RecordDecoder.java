package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.MIN_READ_VERSION;
import static dev.sluice.journal.internal.RecordLayout.TYPE_ADMIN;
import static dev.sluice.journal.internal.RecordLayout.TYPE_BOOT;
import static dev.sluice.journal.internal.RecordLayout.TYPE_CONFIG;
import static dev.sluice.journal.internal.RecordLayout.TYPE_END;
import static dev.sluice.journal.internal.RecordLayout.TYPE_REQUEST;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import dev.sluice.journal.internal.RecordLayout;
import org.agrona.DirectBuffer;

/**
 * Decodes encoded journal records into new record objects, of every schema version from
 * {@link dev.sluice.journal.internal.RecordLayout#MIN_READ_VERSION} to the current one. Unknown versions and
 * types, and bodies that do not parse, are reported as {@link #UNDECODABLE} so a reader can count and skip them.
 * <p>
 * Confined to the reading thread.
 */
final class RecordDecoder {
    static final int UNDECODABLE = -1;

    private Object decoded;

    /**
     * Decodes the encoded record that fills {@code record} (its capacity is the record's length); returns the
     * record type or {@link #UNDECODABLE}. The decoded record owns copies of its values.
     */
    int load(DirectBuffer record) {
        if (record.capacity() < HEADER_BYTES) {
            return UNDECODABLE;
        }
        byte version = record.getByte(0);
        if (version < MIN_READ_VERSION || version > VERSION) {
            return UNDECODABLE;
        }
        byte type = record.getByte(1);
        try {
            switch (type) {
                case TYPE_REQUEST:
                    decoded = new RequestRecord().decodeBody(record, HEADER_BYTES);
                    return type;
                case TYPE_END:
                    decoded = new EndRecord().decodeBody(record, HEADER_BYTES, version);
                    return type;
                case TYPE_BOOT:
                    decoded = BootRecord.decodeBody(record, HEADER_BYTES);
                    return type;
                case TYPE_CONFIG:
                    decoded = ConfigRecord.decodeBody(record, HEADER_BYTES);
                    return type;
                case TYPE_ADMIN:
                    decoded = AdminRecord.decodeBody(record, HEADER_BYTES);
                    return type;
                case RecordLayout.TYPE_EVAL:
                    decoded = EvalRecord.decodeBody(record, HEADER_BYTES);
                    return type;
                case RecordLayout.TYPE_FEEDBACK:
                    decoded = FeedbackRecord.decodeBody(record, HEADER_BYTES);
                    return type;
                case RecordLayout.TYPE_RESPONSE_PART:
                    decoded = new ResponsePartRecord().decodeMeta(record, HEADER_BYTES);
                    return type;
                case RecordLayout.TYPE_SEAL:
                    // Read by verify; other readers step over it.
                    decoded = null;
                    return type;
                default:
                    return UNDECODABLE;
            }
        } catch (RuntimeException e) {
            // Truncated or corrupt body: bounds checks of the buffer or a bad enum id.
            return UNDECODABLE;
        }
    }

    ResponsePartRecord responsePart() {
        return (ResponsePartRecord) decoded;
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

    EvalRecord eval() {
        return (EvalRecord) decoded;
    }

    FeedbackRecord feedback() {
        return (FeedbackRecord) decoded;
    }
}
