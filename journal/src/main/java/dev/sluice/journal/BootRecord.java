package dev.sluice.journal;

import static dev.sluice.journal.internal.RecordLayout.HEADER_BYTES;
import static dev.sluice.journal.internal.RecordLayout.ORDER;
import static dev.sluice.journal.internal.RecordLayout.TYPE_BOOT;
import static dev.sluice.journal.internal.RecordLayout.VERSION;

import java.util.Objects;

import dev.sluice.journal.internal.Utf8Field;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The boot record {@link Journal#open} writes after recovery: a gateway process took over the journal. A
 * request without an end that precedes a boot record was interrupted.
 * <p>
 * Thread-safe (immutable).
 */
public final class BootRecord {
    private final long wallTimeMicros;
    private final long pid;
    private final String version;

    public BootRecord(long wallTimeMicros, long pid, String version) {
        this.wallTimeMicros = wallTimeMicros;
        this.pid = pid;
        this.version = Objects.requireNonNull(version, "version");
    }

    public long wallTimeMicros() {
        return wallTimeMicros;
    }

    /** The process id of the gateway that wrote it. */
    public long pid() {
        return pid;
    }

    /** The gateway's version string. */
    public String version() {
        return version;
    }

    int encodedLength(Utf8Field scratch) {
        scratch.set(version);
        return HEADER_BYTES + 16 + scratch.encodedLength();
    }

    int encode(MutableDirectBuffer dst, int index, Utf8Field scratch) {
        scratch.set(version);
        dst.putByte(index, VERSION);
        dst.putByte(index + 1, TYPE_BOOT);
        dst.putLong(index + 2, wallTimeMicros, ORDER);
        dst.putLong(index + 10, pid, ORDER);
        return HEADER_BYTES + 16 + scratch.encode(dst, index + 18);
    }

    static BootRecord decodeBody(DirectBuffer src, int index) {
        Utf8Field field = new Utf8Field();
        field.decode(src, index + 16);
        String version = field.get();
        return new BootRecord(src.getLong(index, ORDER), src.getLong(index + 8, ORDER), version == null ? "" : version);
    }

    @Override
    public String toString() {
        return "BootRecord{wallTimeMicros=" + wallTimeMicros + ", pid=" + pid + ", version=" + version + '}';
    }
}
