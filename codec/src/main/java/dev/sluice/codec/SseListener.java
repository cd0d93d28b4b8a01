package dev.sluice.codec;

/**
 * Told by {@link SseScanner} about each complete SSE event. Called on the scanner's thread, from inside
 * {@link SseScanner#scan}.
 */
@FunctionalInterface
public interface SseListener {
    /**
     * One complete event.
     *
     * @param eventEndIndex absolute index in the buffer being scanned just past the event's terminating blank
     *                      line (the buffer's reader index when the event ended exactly at the previous buffer's
     *                      end)
     * @param flags         a bitset of {@link SseScanner#DONE}, {@link SseScanner#USAGE_ONLY},
     *                      {@link SseScanner#ERROR}, {@link SseScanner#TERMINAL}, {@link SseScanner#CONTENT},
     *                      {@link SseScanner#COMMENT_ONLY}
     */
    void onEvent(int eventEndIndex, int flags);
}
