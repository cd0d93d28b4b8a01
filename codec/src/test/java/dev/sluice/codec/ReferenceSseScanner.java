package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.internal.JsonLexer;
import dev.sluice.codec.internal.ResponseExtractor;
import dev.sluice.codec.internal.Words;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * The byte-at-a-time scanner as it was before the fast path, kept unchanged as the oracle that
 * {@code SseScannerEquivalenceTest} compares {@link SseScanner} against. Confined to one thread.
 */
final class ReferenceSseScanner {
    /** {@link #scan} result: all bytes were scanned. */
    public static final int OK = 0;
    /** {@link #scan} result: an event grew past {@code maxEventBytes}; the scanner stops until reset. */
    public static final int FRAME_TOO_LARGE = 1;

    /** The event is OpenAI's {@code data: [DONE]}. */
    public static final int DONE = 1;
    /** An OpenAI chunk with top-level {@code "choices":[]}: the include_usage chunk. */
    public static final int USAGE_ONLY = 1 << 1;
    /** {@code event: error}, data with a truthy top-level {@code error}, or a Responses {@code response.failed}. */
    public static final int ERROR = 1 << 2;
    /** The event that ends a well-formed stream: [DONE] on chat and completions, response.completed,
     * response.incomplete, response.failed on responses, message_stop on messages. */
    public static final int TERMINAL = 1 << 3;
    /** The event carries generated content (text, tool-call arguments, refusal text). */
    public static final int CONTENT = 1 << 4;
    /** The event has only comment lines ({@code : ping}). */
    public static final int COMMENT_ONLY = 1 << 5;

    private static final byte[] DONE_BYTES = {'[', 'D', 'O', 'N', 'E', ']'};
    private static final byte[] DATA_BYTES = {'d', 'a', 't', 'a'};
    private static final byte[] EVENT_BYTES = {'e', 'v', 'e', 'n', 't'};

    private static final int LINE_START = 0;
    private static final int FIELD = 1;
    private static final int AFTER_COLON = 2;
    private static final int VALUE = 3;
    private static final int SKIP_LINE = 4;
    private static final int AFTER_CR = 5;
    private static final int AFTER_BLANK_CR = 6;

    private static final int LINE_OTHER = 0;
    private static final int LINE_DATA = 1;
    private static final int LINE_EVENT = 2;

    private final int maxEventBytes;
    private final ResponseExtractor extractor = new ResponseExtractor();
    private final JsonLexer lexer = new JsonLexer(extractor);
    private final Usage ownUsage = new Usage();
    private final byte[] eventName = new byte[Words.MAX_LENGTH];
    private final ByteProcessor processor = this::process;

    private Endpoint endpoint = Endpoint.CHAT_COMPLETIONS;
    private SseListener listener;
    private int index;
    private int lastEnd;
    private boolean tooLarge;
    private long events;
    private long contentEvents;

    private int state;
    private boolean pendingEvent;
    private boolean hasField;
    private int eventBytes;
    private int fieldLength;
    private boolean maybeData;
    private boolean maybeEvent;
    private int lineKind;
    private int doneMatch;
    private boolean done;
    private int eventNameLength;
    private int eventNameHash;
    private int eventWord;

    /**
     * @param maxEventBytes the largest event accepted, counting its lines and their terminators
     */
    ReferenceSseScanner(int maxEventBytes) {
        if (maxEventBytes <= 0) {
            throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: > 0)");
        }
        this.maxEventBytes = maxEventBytes;
        reset(Endpoint.CHAT_COMPLETIONS, ownUsage);
    }

    /** Starts a new stream on {@code e}, extracting usage into a holder owned by this scanner ({@link #usage()}). */
    public void reset(Endpoint e) {
        reset(e, ownUsage);
    }

    /** Starts a new stream on {@code e}; {@code usage} is reset and receives this stream's usage. */
    public void reset(Endpoint e, Usage usage) {
        endpoint = requireNonNull(e, "e");
        extractor.reset(e, requireNonNull(usage, "usage"));
        lexer.reset();
        listener = null;
        tooLarge = false;
        events = 0;
        contentEvents = 0;
        lastEnd = 0;
        state = LINE_START;
        clearEvent();
    }

    /**
     * Scans the readable bytes of {@code buf} without moving its indices, calling {@code l} once for every event
     * that completes inside them.
     *
     * @return {@link #OK}, or {@link #FRAME_TOO_LARGE} (also on every later call until {@link #reset})
     */
    public int scan(ByteBuf buf, SseListener l) {
        requireNonNull(buf, "buf");
        requireNonNull(l, "l");
        if (tooLarge) {
            return FRAME_TOO_LARGE;
        }
        int from = buf.readerIndex();
        int length = buf.readableBytes();
        listener = l;
        index = from - 1;
        try {
            buf.forEachByte(from, length, processor);
        } finally {
            listener = null;
        }
        lastEnd = from + length;
        return tooLarge ? FRAME_TOO_LARGE : OK;
    }

    /**
     * Tells the scanner the stream has ended. An event whose blank line ended with a bare CR at the very end of
     * the last buffer cannot be told from a CRLF until the next byte; it is reported here, with the end index of
     * the last buffer scanned. An event without its blank line is not reported (see {@link #hasPartialEvent()}).
     */
    public void endOfStream(SseListener l) {
        requireNonNull(l, "l");
        if (state == AFTER_BLANK_CR && !tooLarge) {
            listener = l;
            try {
                dispatch(lastEnd);
            } finally {
                listener = null;
            }
            state = LINE_START;
        }
    }

    /** Whether bytes of an event have been seen whose terminating blank line has not. */
    public boolean hasPartialEvent() {
        return pendingEvent && state != AFTER_BLANK_CR;
    }

    /** The usage holder this stream writes to. */
    public Usage usage() {
        return extractor.usage();
    }

    /** Complete events reported since the last reset. */
    public long events() {
        return events;
    }

    /** Complete events flagged {@link #CONTENT} since the last reset. */
    public long contentEvents() {
        return contentEvents;
    }

    public int maxEventBytes() {
        return maxEventBytes;
    }

    private boolean process(byte b) {
        int i = ++index;
        switch (state) {
            case AFTER_BLANK_CR:
                if (b == '\n') {
                    state = LINE_START;
                    dispatch(i + 1);
                    return true;
                }
                state = LINE_START;
                dispatch(i);
                lineStart(b, i);
                break;
            case AFTER_CR:
                state = LINE_START;
                if (b == '\n') {
                    return count();
                }
                lineStart(b, i);
                break;
            case LINE_START:
                lineStart(b, i);
                break;
            case FIELD:
                field(b);
                break;
            case AFTER_COLON:
                state = VALUE;
                if (b != ' ') {
                    value(b);
                }
                break;
            case VALUE:
                value(b);
                break;
            default:
                if (b == '\n' || b == '\r') {
                    endLine(b);
                }
                break;
        }
        return count();
    }

    private boolean count() {
        if (pendingEvent && ++eventBytes > maxEventBytes) {
            tooLarge = true;
            return false;
        }
        return true;
    }

    private void lineStart(byte b, int i) {
        if (b == '\n') {
            if (pendingEvent) {
                dispatch(i + 1);
            }
            return;
        }
        if (b == '\r') {
            state = pendingEvent ? AFTER_BLANK_CR : AFTER_CR;
            return;
        }
        pendingEvent = true;
        if (b == ':') {
            lineKind = LINE_OTHER;
            state = SKIP_LINE;
            return;
        }
        hasField = true;
        fieldLength = 1;
        maybeData = b == 'd';
        maybeEvent = b == 'e';
        state = FIELD;
    }

    private void field(byte b) {
        if (b == ':' || b == '\n' || b == '\r') {
            lineKind = maybeData && fieldLength == DATA_BYTES.length ? LINE_DATA
                    : maybeEvent && fieldLength == EVENT_BYTES.length ? LINE_EVENT : LINE_OTHER;
            doneMatch = 0;
            eventNameLength = 0;
            eventNameHash = 0;
            if (b == ':') {
                state = AFTER_COLON;
            } else {
                endLine(b);
            }
            return;
        }
        maybeData &= fieldLength < DATA_BYTES.length && b == DATA_BYTES[fieldLength];
        maybeEvent &= fieldLength < EVENT_BYTES.length && b == EVENT_BYTES[fieldLength];
        fieldLength++;
    }

    private void value(byte b) {
        if (b == '\n' || b == '\r') {
            endLine(b);
            return;
        }
        if (lineKind == LINE_DATA) {
            lexer.accept(b);
            if (doneMatch >= 0) {
                doneMatch = doneMatch < DONE_BYTES.length && b == DONE_BYTES[doneMatch] ? doneMatch + 1 : -1;
            }
        } else if (lineKind == LINE_EVENT) {
            if (eventNameLength < eventName.length) {
                eventName[eventNameLength] = b;
                eventNameHash = Words.hashStep(eventNameHash, b);
            }
            eventNameLength++;
        }
    }

    private void endLine(byte b) {
        if (lineKind == LINE_DATA) {
            // Several data lines join with a newline (7.3); for the lexer that is whitespace, and it ends a number.
            lexer.accept((byte) '\n');
            if (doneMatch == DONE_BYTES.length) {
                done = true;
            }
        } else if (lineKind == LINE_EVENT) {
            eventWord = Words.lookup(eventName, eventNameLength, eventNameHash);
        }
        lineKind = LINE_OTHER;
        state = b == '\r' ? AFTER_CR : LINE_START;
    }

    private void dispatch(int endIndex) {
        int flags = flags();
        events++;
        if ((flags & CONTENT) != 0) {
            contentEvents++;
        }
        clearEvent();
        listener.onEvent(endIndex, flags);
    }

    private int flags() {
        if (!hasField) {
            return COMMENT_ONLY;
        }
        int kind = eventWord != Words.NONE ? eventWord : extractor.documentType();
        int flags = 0;
        if (kind == Words.ERROR || extractor.topLevelError()) {
            flags |= ERROR;
        }
        switch (endpoint) {
            case CHAT_COMPLETIONS:
            case COMPLETIONS:
                if (done) {
                    flags |= DONE | TERMINAL;
                }
                if (extractor.emptyChoices()) {
                    flags |= USAGE_ONLY;
                }
                if (extractor.content()) {
                    flags |= CONTENT;
                }
                break;
            case RESPONSES:
                if (done) {
                    flags |= DONE;
                }
                if (kind == Words.RESPONSE_COMPLETED || kind == Words.RESPONSE_INCOMPLETE) {
                    flags |= TERMINAL;
                } else if (kind == Words.RESPONSE_FAILED) {
                    flags |= TERMINAL | ERROR;
                } else if (kind == Words.RESPONSE_OUTPUT_TEXT_DELTA
                        || kind == Words.RESPONSE_FUNCTION_CALL_ARGUMENTS_DELTA
                        || kind == Words.RESPONSE_REFUSAL_DELTA) {
                    flags |= CONTENT;
                }
                break;
            case MESSAGES:
                if (done) {
                    flags |= DONE;
                }
                if (kind == Words.MESSAGE_STOP) {
                    flags |= TERMINAL;
                } else if (kind == Words.CONTENT_BLOCK_DELTA) {
                    flags |= CONTENT;
                }
                break;
            default:
                if (done) {
                    flags |= DONE;
                }
                break;
        }
        return flags;
    }

    private void clearEvent() {
        pendingEvent = false;
        hasField = false;
        eventBytes = 0;
        lineKind = LINE_OTHER;
        doneMatch = 0;
        done = false;
        eventWord = Words.NONE;
        eventNameLength = 0;
        eventNameHash = 0;
        lexer.reset();
        extractor.resetDocument();
    }
}
