package dev.sluice.journal;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request id source and format. Ids come from a counter seeded with the start time in milliseconds shifted
 * left by 20 bits, so a restart starts above every id the previous run handed out unless that run averaged
 * over a million ids per millisecond. The text form is {@code "req_"} plus 16 lowercase hex digits.
 * <p>
 * Thread-safe.
 */
public final class RequestIds {
    /** Length of the text form, e.g. {@code req_0190f3a2b4c5d6e7}. */
    public static final int FORMATTED_LENGTH = 20;

    /** Bits below the start time in a seeded id: the ids one start may hand out in its first millisecond. */
    static final int SEED_SHIFT = 20;

    private static final String PREFIX = "req_";
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final AtomicLong last;

    /** Seeds from the system's wall clock. */
    public RequestIds() {
        this(Clock.systemUTC().millis());
    }

    /** Seeds from {@code epochMs}. */
    public RequestIds(long epochMs) {
        this.last = new AtomicLong(epochMs << SEED_SHIFT);
    }

    /** A new id, unique within this instance and greater than every id it returned before. */
    public long next() {
        return last.incrementAndGet();
    }

    /**
     * The earliest wall-clock time, in epoch milliseconds, at which a gateway can have handed out {@code id}: its seed
     * (the start) plus one millisecond per 2^20 ids since. A lower bound while the gateway averaged under 2^20 ids a
     * millisecond and the wall clock did not go back; a reader uses it to skip older cycles, not to conclude.
     */
    public static long notBeforeMs(long id) {
        return id >>> SEED_SHIFT;
    }

    /** The text form of {@code id}. */
    public static String format(long id) {
        byte[] ascii = new byte[FORMATTED_LENGTH];
        formatAscii(id, ascii, 0);
        return new String(ascii, StandardCharsets.US_ASCII);
    }

    /** Writes the text form of {@code id} as {@link #FORMATTED_LENGTH} ASCII bytes at {@code offset}. */
    public static void formatAscii(long id, byte[] dst, int offset) {
        dst[offset] = 'r';
        dst[offset + 1] = 'e';
        dst[offset + 2] = 'q';
        dst[offset + 3] = '_';
        for (int i = 0; i < 16; i++) {
            dst[offset + 4 + i] = HEX[(int) (id >>> (60 - 4 * i)) & 0xF];
        }
    }

    /**
     * Parses the text form.
     *
     * @throws IllegalArgumentException when {@code text} is not {@code "req_"} plus 16 hex digits
     */
    public static long parse(CharSequence text) {
        if (text == null || text.length() != FORMATTED_LENGTH || !PREFIX.contentEquals(text.subSequence(0, 4))) {
            throw new IllegalArgumentException("request id: " + text + " (expected: req_ and 16 hex digits)");
        }
        long id = 0;
        for (int i = 4; i < FORMATTED_LENGTH; i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) {
                throw new IllegalArgumentException("request id: " + text + " (expected: req_ and 16 hex digits)");
            }
            id = (id << 4) | digit;
        }
        return id;
    }
}
