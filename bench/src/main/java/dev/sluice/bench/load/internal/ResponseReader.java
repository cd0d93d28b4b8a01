package dev.sluice.bench.load.internal;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Incremental reader of one HTTP/1.1 response at a time: status line, the framing headers
 * ({@code Content-Length}, {@code Transfer-Encoding: chunked}, {@code Connection}), then the body by length, by
 * chunks or until close. The body is not kept. When told to expect a stream it scans the body's lines for SSE
 * {@code data:} lines: it counts them, reports the first one, and notes whether the stream ended with a terminal
 * event ({@code data: [DONE]} for OpenAI, {@code event: message_stop} for Anthropic).
 *
 * <p>No allocation per response or per byte: lines are copied into fixed scratch arrays, and only the first
 * {@value #LINE_HEAD_BYTES} bytes of a body line are looked at; the rest is skipped with {@link ByteBuf#indexOf}.
 * Confined to the connection's event loop.
 */
public final class ResponseReader {
    /** {@link #feed} flag: the first body byte (for a stream: the first {@code data:} line) was in this read. */
    public static final int FIRST = 1;
    /** {@link #feed} flag: the response ended in this read; bytes after it are left unread. */
    public static final int DONE = 2;
    /** {@link #feed} flag: the bytes are not an HTTP/1.1 response; the connection must be closed. */
    public static final int MALFORMED = 4;

    static final int MAX_LINE_BYTES = 8192;
    static final int LINE_HEAD_BYTES = 32;

    private static final byte LF = '\n';
    private static final byte CR = '\r';

    private static final int STATUS = 0;
    private static final int HEADER = 1;
    private static final int FIXED = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_END = 5;
    private static final int TRAILER = 6;
    private static final int UNTIL_CLOSE = 7;
    private static final int COMPLETE = 8;

    private static final byte[] CONTENT_LENGTH = ascii("content-length:");
    private static final byte[] TRANSFER_ENCODING = ascii("transfer-encoding:");
    private static final byte[] CONNECTION = ascii("connection:");
    private static final byte[] CHUNKED = ascii("chunked");
    private static final byte[] CLOSE = ascii("close");
    private static final byte[] KEEP_ALIVE = ascii("keep-alive");
    private static final byte[] DATA = ascii("data:");
    private static final byte[] EVENT = ascii("event:");
    private static final byte[] DONE_PAYLOAD = ascii("[DONE]");
    private static final byte[] MESSAGE_STOP = ascii("message_stop");

    private final byte[] line = new byte[MAX_LINE_BYTES];
    private final byte[] bodyHead = new byte[LINE_HEAD_BYTES];
    private int lineLen;
    private int bodyLineLen;

    private boolean stream;
    private int state = COMPLETE;
    private int flags;
    private int status;
    private long contentLength;
    private boolean chunked;
    private boolean close;
    private boolean http10;
    private boolean explicitKeepAlive;
    private long remaining;
    private boolean firstSeen;
    private int dataLines;
    private boolean terminal;
    private boolean inTerminalEvent;

    /** Prepares for the next response; {@code stream} turns on the SSE scan. */
    public void reset(boolean stream) {
        this.stream = stream;
        state = STATUS;
        lineLen = 0;
        bodyLineLen = 0;
        clearHead();
        firstSeen = false;
        dataLines = 0;
        terminal = false;
        inTerminalEvent = false;
    }

    private void clearHead() {
        status = 0;
        contentLength = -1;
        chunked = false;
        close = false;
        http10 = false;
        explicitKeepAlive = false;
    }

    /**
     * Reads from {@code in}'s reader index up to the end of the response or of the buffer, whichever is first,
     * and returns the {@link #FIRST}, {@link #DONE} and {@link #MALFORMED} flags for what happened. The caller
     * keeps ownership of {@code in}.
     */
    public int feed(ByteBuf in) {
        flags = 0;
        while (in.isReadable() && state != COMPLETE && (flags & MALFORMED) == 0) {
            switch (state) {
                case STATUS -> {
                    if (readLine(in)) {
                        statusLine();
                    }
                }
                case HEADER -> {
                    if (readLine(in)) {
                        headerLine();
                    }
                }
                case FIXED, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    body(in, in.readerIndex(), in.readerIndex() + n);
                    in.skipBytes(n);
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == FIXED) {
                            complete();
                        } else {
                            state = CHUNK_END;
                        }
                    }
                }
                case CHUNK_SIZE -> {
                    if (readLine(in)) {
                        chunkSize();
                    }
                }
                case CHUNK_END -> {
                    if (readLine(in)) {
                        if (lineLen != 0) {
                            flags |= MALFORMED;
                        }
                        state = CHUNK_SIZE;
                    }
                }
                case TRAILER -> {
                    if (readLine(in) && lineLen == 0) {
                        complete();
                    }
                }
                case UNTIL_CLOSE -> {
                    body(in, in.readerIndex(), in.writerIndex());
                    in.skipBytes(in.readableBytes());
                }
                default -> throw new IllegalStateException("state: " + state);
            }
        }
        return flags;
    }

    /** Called when the connection closed: returns {@link #DONE} when the body was delimited by the close, else 0. */
    public int finishOnClose() {
        if (state == UNTIL_CLOSE) {
            if (stream && bodyLineLen > 0) {
                endBodyLine();
            }
            state = COMPLETE;
            return DONE;
        }
        return 0;
    }

    /** The status code of the current response (0 before its status line). */
    public int status() {
        return status;
    }

    /** True when the connection cannot carry another request after this response. */
    public boolean closeAfter() {
        return close || (http10 && !explicitKeepAlive) || state == UNTIL_CLOSE;
    }

    /** The {@code data:} lines seen in the current response's body (stream mode only). */
    public int dataLines() {
        return dataLines;
    }

    /** True when the stream's last event was a terminal one (stream mode only). */
    public boolean terminated() {
        return terminal;
    }

    /** True once the response's headers have been read. */
    public boolean headersDone() {
        return state != STATUS && state != HEADER;
    }

    private void complete() {
        state = COMPLETE;
        flags |= DONE;
    }

    /** Appends bytes up to LF into {@link #line}; true when the line is whole (CR and LF stripped). */
    private boolean readLine(ByteBuf in) {
        int from = in.readerIndex();
        int lf = in.indexOf(from, in.writerIndex(), LF);
        int end = lf < 0 ? in.writerIndex() : lf;
        int n = end - from;
        if (lineLen + n > MAX_LINE_BYTES) {
            flags |= MALFORMED;
            return false;
        }
        in.getBytes(from, line, lineLen, n);
        lineLen += n;
        in.readerIndex(lf < 0 ? end : end + 1);
        if (lf < 0) {
            return false;
        }
        if (lineLen > 0 && line[lineLen - 1] == CR) {
            lineLen--;
        }
        return true;
    }

    private void statusLine() {
        // "HTTP/1.1 200 OK": the version, a space, three digits (RFC 9112 section 4).
        if (lineLen < 12 || line[0] != 'H' || line[1] != 'T' || line[2] != 'T' || line[3] != 'P' || line[4] != '/'
                || line[5] != '1' || line[6] != '.' || line[8] != ' ') {
            flags |= MALFORMED;
            return;
        }
        int code = 0;
        for (int i = 9; i < 12; i++) {
            int d = line[i] - '0';
            if (d < 0 || d > 9) {
                flags |= MALFORMED;
                return;
            }
            code = code * 10 + d;
        }
        status = code;
        http10 = line[7] == '0';
        lineLen = 0;
        state = HEADER;
    }

    private void headerLine() {
        int n = lineLen;
        lineLen = 0;
        if (n == 0) {
            endOfHeaders();
            return;
        }
        if (startsWithIgnoreCase(CONTENT_LENGTH, n)) {
            long v = 0;
            boolean digits = false;
            for (int i = CONTENT_LENGTH.length; i < n; i++) {
                byte b = line[i];
                if (b >= '0' && b <= '9') {
                    v = v * 10 + (b - '0');
                    digits = true;
                } else if (b != ' ' && b != '\t') {
                    flags |= MALFORMED;
                    return;
                }
            }
            if (!digits || (contentLength >= 0 && contentLength != v)) {
                flags |= MALFORMED;
                return;
            }
            contentLength = v;
        } else if (startsWithIgnoreCase(TRANSFER_ENCODING, n)) {
            chunked |= containsIgnoreCase(CHUNKED, TRANSFER_ENCODING.length, n);
        } else if (startsWithIgnoreCase(CONNECTION, n)) {
            close |= containsIgnoreCase(CLOSE, CONNECTION.length, n);
            explicitKeepAlive |= containsIgnoreCase(KEEP_ALIVE, CONNECTION.length, n);
        }
    }

    private void endOfHeaders() {
        if (status / 100 == 1) {
            // An interim response (100 Continue, 103 Early Hints): the real one follows.
            clearHead();
            state = STATUS;
        } else if (status == 204 || status == 304) {
            complete();
        } else if (chunked) {
            state = CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = FIXED;
            if (remaining == 0) {
                complete();
            }
        } else {
            state = UNTIL_CLOSE;
        }
    }

    private void chunkSize() {
        int n = lineLen;
        lineLen = 0;
        long size = 0;
        int digits = 0;
        for (int i = 0; i < n; i++) {
            byte b = line[i];
            int d = Character.digit(b, 16);
            if (d < 0) {
                if (b == ';' || b == ' ' || b == '\t') {
                    break;
                }
                flags |= MALFORMED;
                return;
            }
            if (++digits > 15) {
                flags |= MALFORMED;
                return;
            }
            size = (size << 4) | d;
        }
        if (digits == 0) {
            flags |= MALFORMED;
            return;
        }
        if (size == 0) {
            state = TRAILER;
        } else {
            remaining = size;
            state = CHUNK_DATA;
        }
    }

    private void body(ByteBuf in, int from, int to) {
        if (from >= to) {
            return;
        }
        if (!stream) {
            if (!firstSeen) {
                firstSeen = true;
                flags |= FIRST;
            }
            return;
        }
        int i = from;
        while (i < to) {
            if (bodyLineLen < LINE_HEAD_BYTES) {
                byte b = in.getByte(i++);
                if (b == LF) {
                    endBodyLine();
                    continue;
                }
                bodyHead[bodyLineLen++] = b;
                if (bodyLineLen == DATA.length && !firstSeen && headStartsWith(DATA, bodyLineLen)) {
                    firstSeen = true;
                    flags |= FIRST;
                }
            } else {
                // Past the part of the line that decides anything: jump to its end.
                int lf = in.indexOf(i, to, LF);
                if (lf < 0) {
                    return;
                }
                i = lf + 1;
                endBodyLine();
            }
        }
    }

    private void endBodyLine() {
        int n = bodyLineLen;
        bodyLineLen = 0;
        boolean whole = n < LINE_HEAD_BYTES;
        if (whole && n > 0 && bodyHead[n - 1] == CR) {
            n--;
        }
        if (n == 0) {
            inTerminalEvent = false;
            return;
        }
        if (headStartsWith(DATA, n)) {
            dataLines++;
            int p = DATA.length;
            if (p < n && bodyHead[p] == ' ') {
                p++;
            }
            if (whole && n - p == DONE_PAYLOAD.length && headRegionEquals(DONE_PAYLOAD, p)) {
                terminal = true;
            } else if (!inTerminalEvent) {
                terminal = false;
            }
        } else if (headStartsWith(EVENT, n)) {
            int p = EVENT.length;
            if (p < n && bodyHead[p] == ' ') {
                p++;
            }
            boolean stop = whole && n - p == MESSAGE_STOP.length && headRegionEquals(MESSAGE_STOP, p);
            terminal = stop;
            inTerminalEvent = stop;
        }
    }

    private boolean headStartsWith(byte[] prefix, int n) {
        return n >= prefix.length && headRegionEquals(prefix, 0);
    }

    private boolean headRegionEquals(byte[] expected, int at) {
        for (int i = 0; i < expected.length; i++) {
            if (bodyHead[at + i] != expected[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean startsWithIgnoreCase(byte[] lowerPrefix, int n) {
        if (n < lowerPrefix.length) {
            return false;
        }
        for (int i = 0; i < lowerPrefix.length; i++) {
            if (lower(line[i]) != lowerPrefix[i]) {
                return false;
            }
        }
        return true;
    }

    private boolean containsIgnoreCase(byte[] lowerWord, int from, int to) {
        outer:
        for (int i = from; i + lowerWord.length <= to; i++) {
            for (int j = 0; j < lowerWord.length; j++) {
                if (lower(line[i + j]) != lowerWord[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static byte lower(byte b) {
        return b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
