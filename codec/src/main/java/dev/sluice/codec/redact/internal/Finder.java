package dev.sluice.codec.redact.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the next match of the built-in detectors (when enabled) and the custom patterns in a text view, or the
 * position from which the text must be held back because a match could still start there. Label indexes: the
 * built-in types are {@code 0..6} ({@link BuiltInDetectors#LABELS}), custom patterns carry their own.
 * <p>
 * A custom pattern that needs more text than there is (its matcher hit the end) holds back the last
 * {@link #CUSTOM_HOLD_BYTES} bytes: a regular expression does not say where its next match could start.
 * Confined to one thread.
 */
final class Finder {
    /** How much text a custom pattern holds back when its matcher hit the end without a decided match. */
    static final int CUSTOM_HOLD_BYTES = 256;

    final BuiltInDetectors detectors = new BuiltInDetectors();
    private final boolean builtIn;
    private final Matcher[] matchers;
    private final int[] patternLabel;
    private final ByteChars chars = new ByteChars();

    int matchStart;
    int matchEnd;
    int matchLabel;
    int holdAt;
    boolean holdIsPem;
    boolean pemUnterminated;

    Finder(boolean builtIn, Pattern[] patterns, int[] patternLabel) {
        this.builtIn = builtIn;
        this.patternLabel = patternLabel;
        this.matchers = new Matcher[patterns.length];
        for (int i = 0; i < patterns.length; i++) {
            matchers[i] = patterns[i].matcher(chars);
            matchers[i].useTransparentBounds(true);
            matchers[i].useAnchoringBounds(false);
        }
    }

    /** Like {@link BuiltInDetectors#find}, over all detectors and patterns; the leftmost event wins. */
    int find(byte[] t, int from, int end, boolean fin) {
        int result = BuiltInDetectors.NONE;
        int pos = Integer.MAX_VALUE;
        pemUnterminated = false;
        holdIsPem = false;
        if (builtIn) {
            result = detectors.find(t, from, end, fin);
            if (result == BuiltInDetectors.FOUND) {
                pos = detectors.matchStart;
                matchStart = detectors.matchStart;
                matchEnd = detectors.matchEnd;
                matchLabel = detectors.matchType;
                pemUnterminated = detectors.pemUnterminated;
            } else if (result == BuiltInDetectors.HOLD) {
                pos = detectors.holdAt;
                holdAt = pos;
                holdIsPem = detectors.holdIsPem;
            }
        }
        if (matchers.length == 0) {
            return result;
        }
        chars.set(t, end);
        for (int k = 0; k < matchers.length; k++) {
            Matcher m = matchers[k];
            m.reset(chars);
            int s = from;
            boolean found = false;
            while (s <= end) {
                m.region(s, end);
                if (!m.find()) {
                    break;
                }
                if (m.end() > m.start()) {
                    found = true;
                    break;
                }
                s = m.start() + 1;
            }
            if (found) {
                int ms = m.start();
                if (!fin && m.hitEnd()) {
                    if (ms < pos) {
                        pos = ms;
                        result = BuiltInDetectors.HOLD;
                        holdAt = ms;
                        holdIsPem = false;
                    }
                } else if (ms < pos) {
                    pos = ms;
                    result = BuiltInDetectors.FOUND;
                    matchStart = ms;
                    matchEnd = m.end();
                    matchLabel = patternLabel[k];
                    pemUnterminated = false;
                }
            } else if (!fin && m.hitEnd()) {
                int h = Math.max(from, end - CUSTOM_HOLD_BYTES);
                if (h < pos) {
                    pos = h;
                    result = BuiltInDetectors.HOLD;
                    holdAt = h;
                    holdIsPem = false;
                }
            }
        }
        return result;
    }
}
