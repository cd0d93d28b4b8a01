package dev.sluice.journal.internal;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One optional string field of a journal record, held either as a {@link CharSequence} reference or as UTF-8
 * bytes copied in, and encoded as a little-endian {@code u16} length followed by at most {@link #MAX_BYTES}
 * (or the field's smaller limit) UTF-8 bytes ({@code 0xFFFF} means absent). Longer values are truncated on a
 * character boundary, never inside a multi-byte sequence or a surrogate pair. Encoding allocates nothing.
 * <p>
 * Confined to the thread that owns the enclosing record.
 */
public final class Utf8Field {
    /** The most UTF-8 bytes a field keeps (unless constructed with a smaller limit). */
    public static final int MAX_BYTES = 1024;
    /** Bytes of the length prefix. */
    public static final int PREFIX_BYTES = 2;

    private static final int ABSENT = 0xFFFF;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    private static final byte REPLACEMENT = '?';

    private static final int MODE_NULL = 0;
    private static final int MODE_CHARS = 1;
    private static final int MODE_BYTES = 2;

    private final int maxBytes;
    private int mode = MODE_NULL;
    private CharSequence chars;
    private byte[] bytes;
    private UnsafeBuffer bytesView;
    private int byteLength;

    /** A field that keeps up to {@link #MAX_BYTES}; its copy buffer is allocated on first use. */
    public Utf8Field() {
        this.maxBytes = MAX_BYTES;
    }

    /**
     * A field that keeps up to {@code maxBytes}, with its copy buffer allocated now so that {@link #copy} and the
     * byte setters never allocate.
     */
    public Utf8Field(int maxBytes) {
        if (maxBytes < 1 || maxBytes > MAX_BYTES) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: 1.." + MAX_BYTES + ")");
        }
        this.maxBytes = maxBytes;
        ensureBytes();
    }

    /** The most UTF-8 bytes this field keeps. */
    public int maxBytes() {
        return maxBytes;
    }

    /** Sets the value to {@code value} (null = absent); the sequence is read when the record is encoded. */
    public void set(CharSequence value) {
        chars = value;
        mode = value == null ? MODE_NULL : MODE_CHARS;
    }

    /**
     * Copies {@code value} (null = absent) as UTF-8 now, truncated to the limit on a char boundary, so the caller
     * may change or reuse the sequence at once. Allocates nothing once the copy buffer exists.
     */
    public void copy(CharSequence value) {
        if (value == null) {
            clear();
            return;
        }
        ensureBytes();
        setBytesMode(encodeChars(value, bytesView, 0, maxBytes));
    }

    /** Copies {@code length} UTF-8 bytes from {@code src}, truncated to the limit on a char boundary. */
    public void set(byte[] src, int offset, int length) {
        ensureBytes();
        int kept = Math.min(length, maxBytes);
        if (length > maxBytes) {
            // A continuation byte (10xxxxxx) at the cut means its sequence started earlier: cut before it.
            while (kept > 0 && (src[offset + kept] & 0xC0) == 0x80) {
                kept--;
            }
        }
        System.arraycopy(src, offset, bytes, 0, kept);
        setBytesMode(kept);
    }

    /** Copies {@code length} UTF-8 bytes from {@code src}, truncated to the limit on a char boundary. */
    public void set(DirectBuffer src, int offset, int length) {
        ensureBytes();
        int kept = Math.min(length, maxBytes);
        if (length > maxBytes) {
            while (kept > 0 && (src.getByte(offset + kept) & 0xC0) == 0x80) {
                kept--;
            }
        }
        src.getBytes(offset, bytes, 0, kept);
        setBytesMode(kept);
    }

    /** Marks the field absent. */
    public void clear() {
        chars = null;
        mode = MODE_NULL;
    }

    /** Whether the field is absent. */
    public boolean isNull() {
        return mode == MODE_NULL;
    }

    /** The value as a new String (allocates; not for the hot path), or null when absent. */
    public String get() {
        switch (mode) {
            case MODE_CHARS:
                return chars.toString();
            case MODE_BYTES:
                return new String(bytes, 0, byteLength, StandardCharsets.UTF_8);
            default:
                return null;
        }
    }

    /** Bytes {@link #encode} writes: the prefix plus the (truncated) UTF-8 length. */
    public int encodedLength() {
        switch (mode) {
            case MODE_CHARS:
                return PREFIX_BYTES + utf8Length(chars, maxBytes);
            case MODE_BYTES:
                return PREFIX_BYTES + byteLength;
            default:
                return PREFIX_BYTES;
        }
    }

    /** Writes the field at {@code index}; returns the bytes written (equal to {@link #encodedLength()}). */
    public int encode(MutableDirectBuffer dst, int index) {
        switch (mode) {
            case MODE_CHARS: {
                int length = encodeChars(chars, dst, index + PREFIX_BYTES, maxBytes);
                dst.putShort(index, (short) length, ORDER);
                return PREFIX_BYTES + length;
            }
            case MODE_BYTES:
                dst.putShort(index, (short) byteLength, ORDER);
                dst.putBytes(index + PREFIX_BYTES, bytes, 0, byteLength);
                return PREFIX_BYTES + byteLength;
            default:
                dst.putShort(index, (short) ABSENT, ORDER);
                return PREFIX_BYTES;
        }
    }

    /** Reads a field written by {@link #encode} at {@code index} into this field; returns the bytes consumed. */
    public int decode(DirectBuffer src, int index) {
        int length = src.getShort(index, ORDER) & 0xFFFF;
        if (length == ABSENT) {
            clear();
            return PREFIX_BYTES;
        }
        if (length > maxBytes) {
            throw new IllegalStateException("string length: " + length + " (expected: <= " + maxBytes + ")");
        }
        set(src.getStringWithoutLengthUtf8(index + PREFIX_BYTES, length));
        return PREFIX_BYTES + length;
    }

    private void setBytesMode(int length) {
        byteLength = length;
        chars = null;
        mode = MODE_BYTES;
    }

    private void ensureBytes() {
        if (bytes == null) {
            bytes = new byte[maxBytes];
            bytesView = new UnsafeBuffer(bytes);
        }
    }

    private static int utf8Length(CharSequence s, int maxBytes) {
        int total = 0;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            int n;
            if (c < 0x80) {
                n = 1;
            } else if (c < 0x800) {
                n = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
                n = 4;
            } else if (Character.isSurrogate(c)) {
                n = 1;
            } else {
                n = 3;
            }
            if (total + n > maxBytes) {
                break;
            }
            total += n;
            if (n == 4) {
                i++;
            }
        }
        return total;
    }

    private static int encodeChars(CharSequence s, MutableDirectBuffer dst, int index, int maxBytes) {
        int pos = index;
        int limit = index + maxBytes;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (pos + 1 > limit) {
                    break;
                }
                dst.putByte(pos++, (byte) c);
            } else if (c < 0x800) {
                if (pos + 2 > limit) {
                    break;
                }
                dst.putByte(pos++, (byte) (0xC0 | (c >> 6)));
                dst.putByte(pos++, (byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (pos + 4 > limit) {
                    break;
                }
                int cp = Character.toCodePoint(c, s.charAt(++i));
                dst.putByte(pos++, (byte) (0xF0 | (cp >> 18)));
                dst.putByte(pos++, (byte) (0x80 | ((cp >> 12) & 0x3F)));
                dst.putByte(pos++, (byte) (0x80 | ((cp >> 6) & 0x3F)));
                dst.putByte(pos++, (byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                // A lone surrogate has no UTF-8 form; same replacement as String.getBytes(UTF_8).
                if (pos + 1 > limit) {
                    break;
                }
                dst.putByte(pos++, REPLACEMENT);
            } else {
                if (pos + 3 > limit) {
                    break;
                }
                dst.putByte(pos++, (byte) (0xE0 | (c >> 12)));
                dst.putByte(pos++, (byte) (0x80 | ((c >> 6) & 0x3F)));
                dst.putByte(pos++, (byte) (0x80 | (c & 0x3F)));
            }
        }
        return pos - index;
    }
}
