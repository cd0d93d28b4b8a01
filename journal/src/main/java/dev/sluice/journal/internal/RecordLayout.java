package dev.sluice.journal.internal;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;

/**
 * The common header of every journal record: a schema version byte, then a type byte. Fields follow in
 * little-endian order; strings are {@link Utf8Field}s.
 * <p>
 * Thread-safe (constants only).
 */
public final class RecordLayout {
    /**
     * The schema version this code writes. Version 2 added the attempts list at the end of the end record, version
     * 3 the configuration version after it; every other record is laid out as in version 1. Version 4 puts every
     * record in a chained envelope ({@link ChainLayout}: meta, body, trailer with the chain hash); the metas are
     * laid out as in version 3. Within version 4, a request record of a request that called an agent carries three
     * more strings after the client address (agent, version, label): the meta's length says whether they are there,
     * and a reader that predates them stops before them.
     */
    public static final byte VERSION = 4;
    /** The oldest schema version this code still reads. */
    public static final byte MIN_READ_VERSION = 1;
    /** A request record: who asked for what. */
    public static final byte TYPE_REQUEST = 1;
    /** An end record: how a request finished. */
    public static final byte TYPE_END = 2;
    /** A boot record: a gateway opened the journal. */
    public static final byte TYPE_BOOT = 3;
    /** A configuration record: the gateway applied a configuration version. */
    public static final byte TYPE_CONFIG = 4;
    /**
     * An admin record: a key, team or configuration change, or a refused admin call. A new type within schema
     * version 2: files without it decode as before, and readers that predate it skip it as undecodable.
     */
    public static final byte TYPE_ADMIN = 5;
    /** A seal: the writer's signature of its partition's chain head ({@link ChainSeal}). Schema version 4. */
    public static final byte TYPE_SEAL = 6;
    /** Part of an answer as relayed to the client, captured under the capture policy. Schema version 4. */
    public static final byte TYPE_RESPONSE_PART = 7;
    /** An evaluation run the gateway accepted ({@code EvalRecord}). Schema version 4. */
    public static final byte TYPE_EVAL = 8;
    /** Feedback on an answer ({@code FeedbackRecord}). Schema version 4. */
    public static final byte TYPE_FEEDBACK = 9;
    /** Bytes of the version and type header. */
    public static final int HEADER_BYTES = 2;
    /** Byte order of every multi-byte field. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    /** Where request and end records hold their wall time: after the header and the request id. */
    public static final int KEYED_WALL_TIME_OFFSET = HEADER_BYTES + 8;
    /** Where boot, configuration and admin records hold their wall time: right after the header. */
    public static final int PLAIN_WALL_TIME_OFFSET = HEADER_BYTES;
    /** The wall time of a record whose type or length gives none ({@link #wallTimeMicros}). */
    public static final long NO_WALL_TIME = Long.MIN_VALUE;

    /**
     * The wall time (epoch microseconds) of the encoded record that fills {@code record} (its capacity is the
     * record's length), or {@link #NO_WALL_TIME} for an unknown type or a record too short to hold one. Every
     * schema version puts it at the same place.
     */
    public static long wallTimeMicros(DirectBuffer record) {
        int length = record.capacity();
        if (length < HEADER_BYTES) {
            return NO_WALL_TIME;
        }
        int offset;
        switch (record.getByte(1)) {
            case TYPE_REQUEST:
            case TYPE_END:
            case TYPE_RESPONSE_PART:
                offset = KEYED_WALL_TIME_OFFSET;
                break;
            case TYPE_BOOT:
            case TYPE_CONFIG:
            case TYPE_ADMIN:
            case TYPE_SEAL:
            case TYPE_EVAL:
            case TYPE_FEEDBACK:
                offset = PLAIN_WALL_TIME_OFFSET;
                break;
            default:
                return NO_WALL_TIME;
        }
        return length >= offset + 8 ? record.getLong(offset, ORDER) : NO_WALL_TIME;
    }

    private RecordLayout() {
    }
}
