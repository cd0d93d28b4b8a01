package dev.sluice.codec.internal;

import java.nio.charset.StandardCharsets;

/**
 * JSON's byte-level vocabulary for scanners that read in place: the literals and the classes of a byte (RFC 8259).
 * <p>
 * Thread-safe (constants and pure functions; the arrays are never written).
 */
public final class JsonBytes {
    /** The literal {@code true}. */
    public static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    /** The literal {@code false}. */
    public static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);
    /** The literal {@code null}. */
    public static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);

    private JsonBytes() {
    }

    /** Whether {@code b} can start a JSON value other than an object. */
    public static boolean isValueStart(byte b) {
        return b == '[' || b == '"' || b == 't' || b == 'f' || b == 'n' || b == '-' || (b >= '0' && b <= '9');
    }

    /** Whether {@code b} is a hexadecimal digit (of a unicode escape). */
    public static boolean isHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
