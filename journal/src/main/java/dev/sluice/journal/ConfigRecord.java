package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_CONFIG;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import dev.sluice.journal.internal.Utf8Field;

import java.util.Objects;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A configuration version the gateway applied: at start, and after each reload. Requests after it (in queue
 * order) were served with that configuration, until the next one.
 * <p>
 * Thread-safe (immutable).
 */
public final class ConfigRecord {
    private final long wallTimeMicros;
    private final String version;
    private final String source;

    public ConfigRecord(long wallTimeMicros, String version, String source) {
        this.wallTimeMicros = wallTimeMicros;
        this.version = Objects.requireNonNull(version, "version");
        this.source = Objects.requireNonNull(source, "source");
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    /** The configuration's content hash. */
    public String version() {
        return version;
    }

    /** Where it was read from (a file path). */
    public String source() {
        return source;
    }

    int encode(MutableDirectBuffer dst, int index) {
        Utf8Field field = new Utf8Field();
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_CONFIG);
        dst.putLong(index + 2, wallTimeMicros, ORDER);
        int pos = index + HEADER_BYTES + 8;
        field.set(version);
        pos += field.encode(dst, pos);
        field.set(source);
        pos += field.encode(dst, pos);
        return pos - index;
    }

    static ConfigRecord decodeBody(DirectBuffer src, int index) {
        Utf8Field field = new Utf8Field();
        long wall = src.getLong(index, ORDER);
        int pos = index + 8;
        pos += field.decode(src, pos);
        String version = field.get();
        field.decode(src, pos);
        String source = field.get();
        return new ConfigRecord(wall, version == null ? "" : version, source == null ? "" : source);
    }

    @Override
    public String toString() {
        return "ConfigRecord{wallTimeMicros=" + wallTimeMicros + ", version=" + version + ", source=" + source + '}';
    }
}
