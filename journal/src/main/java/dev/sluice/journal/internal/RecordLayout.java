package dev.sluice.journal.internal;

import java.nio.ByteOrder;

/**
 * The common header of every journal record: a schema version byte, then a type byte. Fields follow in
 * little-endian order; strings are {@link Utf8Field}s.
 * <p>
 * Thread-safe (constants only).
 */
public final class RecordLayout {
    /**
     * The schema version this code writes. Version 2 added the attempts list at the end of the end record;
     * every other record is laid out as in version 1.
     */
    public static final byte VERSION = 2;
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
    /** Bytes of the version and type header. */
    public static final int HEADER_BYTES = 2;
    /** Byte order of every multi-byte field. */
    public static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private RecordLayout() {
    }
}
