package dev.sluice.codec.translate;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits upstream SSE bytes into events as the OpenAI and Anthropic SDKs do (PROVIDERS.md 7.3): lines end in CR,
 * LF or CRLF, a blank line ends an event, {@code :} lines are comments, several {@code data:} lines join with LF,
 * one space after the colon is dropped, fields other than {@code event} and {@code data} are ignored. Only the
 * current event is buffered, and never past {@code maxEventBytes} (its lines and their terminators), so a line
 * that never ends cannot grow a buffer without bound. Confined to one thread.
 */
final class StreamEventReader {
    /** What the reader hands each complete event to. */
    interface Listener {
        /**
         * Called for each complete event that has data or only comments.
         *
         * @param eventName   the {@code event:} field, or {@code null}
         * @param data        the joined data lines in {@code data[0, dataLength)}; valid during the call only
         * @param commentOnly whether the event had only comment lines (a keep-alive)
         * @return {@link StreamTranslator#OK} to go on, anything else to stop reading and return it
         */
        int onEvent(String eventName, byte[] data, int dataLength, boolean commentOnly, ByteBuf out);
    }

    private final int maxEventBytes;
    private byte[] line = new byte[256];
    private int lineLength;
    private byte[] data = new byte[256];
    private int dataLength;
    private boolean hasData;
    private boolean hasComment;
    private String eventName;
    private int eventBytes;
    // A CR ended the last line: an LF right after it belongs to the same terminator, even in the next buffer.
    private boolean skipLf;

    StreamEventReader(int maxEventBytes) {
        if (maxEventBytes <= 0) {
            throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: > 0)");
        }
        this.maxEventBytes = maxEventBytes;
    }

    /**
     * Reads the readable bytes of {@code in}, calling {@code listener} for each event completed by them. Stops at
     * the first listener result other than OK and returns it, leaving the rest of {@code in} unread; returns
     * {@link StreamTranslator#TOO_LARGE} when the current event grows past the maximum.
     */
    int read(ByteBuf in, ByteBuf out, Listener listener) {
        requireNonNull(listener, "listener");
        while (in.isReadable()) {
            int start = in.readerIndex();
            if (skipLf) {
                skipLf = false;
                if (in.getByte(start) == '\n') {
                    in.skipBytes(1);
                    if (eventBytes > 0) {
                        eventBytes++;
                    }
                    continue;
                }
            }
            int end = in.writerIndex();
            int eol = in.forEachByte(start, end - start, ByteProcessor.FIND_CRLF);
            int take = (eol < 0 ? end : eol) - start;
            if ((long) eventBytes + lineLength + take + (eol < 0 ? 0 : 1) > maxEventBytes) {
                return StreamTranslator.TOO_LARGE;
            }
            appendLine(in, start, take);
            if (eol < 0) {
                return StreamTranslator.OK;
            }
            skipLf = in.readByte() == '\r';
            eventBytes += lineLength + 1;
            int result = onLine(out, listener);
            if (result != StreamTranslator.OK) {
                return result;
            }
        }
        return StreamTranslator.OK;
    }

    private void appendLine(ByteBuf in, int start, int length) {
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.min(Math.max(line.length * 2, lineLength + length), maxEventBytes));
        }
        in.getBytes(start, line, lineLength, length);
        lineLength += length;
        in.skipBytes(length);
    }

    private int onLine(ByteBuf out, Listener listener) {
        int length = lineLength;
        lineLength = 0;
        if (length == 0) {
            return dispatch(out, listener);
        }
        if (line[0] == ':') {
            hasComment = true;
            return StreamTranslator.OK;
        }
        int colon = indexOf(line, length, (byte) ':');
        int nameEnd = colon < 0 ? length : colon;
        int valueStart = colon < 0 ? length : colon + 1;
        if (valueStart < length && line[valueStart] == ' ') {
            valueStart++;
        }
        if (is(line, nameEnd, "data")) {
            if (hasData) {
                appendData((byte) '\n');
            }
            for (int i = valueStart; i < length; i++) {
                appendData(line[i]);
            }
            hasData = true;
        } else if (is(line, nameEnd, "event")) {
            eventName = new String(line, valueStart, length - valueStart, StandardCharsets.UTF_8);
        }
        return StreamTranslator.OK;
    }

    private int dispatch(ByteBuf out, Listener listener) {
        boolean commentOnly = !hasData && eventName == null && hasComment;
        boolean any = hasData || commentOnly;
        String name = eventName;
        int length = dataLength;
        eventName = null;
        hasData = false;
        hasComment = false;
        dataLength = 0;
        eventBytes = 0;
        // An event with a name but no data is skipped by both SDKs.
        return any ? listener.onEvent(name, data, length, commentOnly, out) : StreamTranslator.OK;
    }

    private void appendData(byte b) {
        if (dataLength == data.length) {
            data = Arrays.copyOf(data, Math.min(data.length * 2, Math.max(maxEventBytes, 1)));
        }
        data[dataLength++] = b;
    }

    private static int indexOf(byte[] bytes, int length, byte b) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean is(byte[] bytes, int length, String ascii) {
        if (length != ascii.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (bytes[i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
