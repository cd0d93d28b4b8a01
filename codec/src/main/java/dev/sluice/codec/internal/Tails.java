package dev.sluice.codec.internal;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A collision-free table of the last three letters (and closing quote) of every word {@link DataClassifier}
 * must look at, so that the many quotes ending other strings are dismissed with one multiply and one compare.
 * Thread-safe (immutable after class initialisation).
 */
final class Tails {
    static final byte NONE = 0;
    static final byte TOKENS = 1;
    static final byte STATUS = 2;
    static final byte REASON = 3;
    static final byte ERROR = 4;
    static final byte TYPE = 5;
    static final byte FUNCTION_CALL = 6;
    static final byte ARGUMENTS = 7;
    static final byte REFUSAL = 8;
    static final byte CONTENT = 9;
    static final byte TEXT = 10;

    private static final int SLOT_BITS = 6;
    /** The four bytes ending at a quote, as the high half of a little-endian word; 0 for an empty slot. */
    static final int[] TAILS = new int[1 << SLOT_BITS];
    static final byte[] CODES = new byte[1 << SLOT_BITS];
    private static final int MULTIPLIER;

    static {
        String[] tails = {"ens\"", "tus\"", "son\"", "ror\"", "ype\"", "all\"", "nts\"", "sal\"", "ent\"", "ext\""};
        byte[] codes = {TOKENS, STATUS, REASON, ERROR, TYPE, FUNCTION_CALL, ARGUMENTS, REFUSAL, CONTENT, TEXT};
        int[] keys = new int[tails.length];
        for (int k = 0; k < tails.length; k++) {
            byte[] b = tails[k].getBytes(StandardCharsets.US_ASCII);
            keys[k] = (b[0] & 0xFF) | (b[1] & 0xFF) << 8 | (b[2] & 0xFF) << 16 | (b[3] & 0xFF) << 24;
        }
        // Deterministic search for a multiplier that puts every tail in its own slot.
        int multiplier = 0x9E3779B9;
        while (!place(keys, codes, multiplier)) {
            multiplier += 2;
        }
        MULTIPLIER = multiplier;
    }

    private Tails() {
    }

    static int slot(int tail) {
        return (tail * MULTIPLIER) >>> (Integer.SIZE - SLOT_BITS);
    }

    private static boolean place(int[] keys, byte[] codes, int multiplier) {
        Arrays.fill(TAILS, 0);
        for (int k = 0; k < keys.length; k++) {
            int slot = (keys[k] * multiplier) >>> (Integer.SIZE - SLOT_BITS);
            if (TAILS[slot] != 0) {
                return false;
            }
            TAILS[slot] = keys[k];
            CODES[slot] = codes[k];
        }
        return true;
    }
}
