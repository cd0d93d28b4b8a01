package dev.sluice.codec.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * The SSE line grammar fed one byte at a time, every data byte run through the {@link JsonLexer}: exact for any
 * input split anywhere across buffers, and the reference the fast path must agree with. Lines split on CR, LF or
 * CRLF and an event ends at a blank line (PROVIDERS.md 7.3). {@link #run} stops after each complete event, at a
 * stray blank line, or when an event grows past the limit, so the caller can report the event and switch back
 * to the fast path at an event boundary. Confined to one thread.
 */
public final class SseByteMachine implements ByteProcessor {
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
    private final byte[] eventName = new byte[Words.MAX_LENGTH];

    private Endpoint endpoint = Endpoint.CHAT_COMPLETIONS;
    private int index;
    private int resumeIndex;
    private boolean tooLarge;
    private int readyFlags;
    private int readyEnd;

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
    public SseByteMachine(int maxEventBytes) {
        this.maxEventBytes = maxEventBytes;
    }

    /** Starts a new stream on {@code e}; {@code usage} is reset and receives this stream's usage. */
    public void reset(Endpoint e, Usage usage) {
        endpoint = requireNonNull(e, "e");
        extractor.reset(e, requireNonNull(usage, "usage"));
        tooLarge = false;
        readyFlags = -1;
        state = LINE_START;
        clearEvent();
    }

    /** The usage holder this stream writes to. */
    public Usage usage() {
        return extractor.usage();
    }

    /**
     * Feeds {@code buf[from, to)} until an event completes ({@link #readyFlags()} is then not -1), the stream is
     * back at an event boundary after a stray blank line, an event grows too large, or the bytes run out.
     *
     * @return the index of the first byte not consumed
     */
    public int run(ByteBuf buf, int from, int to) {
        index = from - 1;
        resumeIndex = to;
        readyFlags = -1;
        buf.forEachByte(from, to - from, this);
        return resumeIndex;
    }

    /** Flags of the event the last {@link #run} completed, or -1 when it completed none. */
    public int readyFlags() {
        return readyFlags;
    }

    /** Absolute index just past the blank line of the event the last {@link #run} completed. */
    public int readyEnd() {
        return readyEnd;
    }

    /** Whether an event grew past the limit; nothing more is scanned until {@link #reset}. */
    public boolean tooLarge() {
        return tooLarge;
    }

    /** Whether the next byte starts a line and no event is pending: where the fast path may take over. */
    public boolean atEventBoundary() {
        return state == LINE_START && !pendingEvent && !tooLarge;
    }

    /** Whether bytes of an event have been seen whose terminating blank line has not. */
    public boolean hasPartialEvent() {
        return pendingEvent && state != AFTER_BLANK_CR;
    }

    /**
     * Completes an event whose blank line was a bare CR at the very end of the stream (a CRLF cannot be ruled out
     * until the next byte), returning its flags, or -1 when there is none.
     */
    public int endOfStream() {
        if (state != AFTER_BLANK_CR || tooLarge) {
            return -1;
        }
        int flags = flags();
        clearEvent();
        state = LINE_START;
        return flags;
    }

    @Override
    public boolean process(byte b) {
        int i = ++index;
        switch (state) {
            case AFTER_BLANK_CR:
                state = LINE_START;
                // After a bare CR blank line this byte already starts the next event: leave it to the caller.
                return complete(b == '\n' ? i + 1 : i);
            case AFTER_CR:
                state = LINE_START;
                if (b == '\n') {
                    return pendingEvent ? count() : boundary(i + 1);
                }
                lineStart(b);
                break;
            case LINE_START:
                if (b == '\n') {
                    return pendingEvent ? complete(i + 1) : boundary(i + 1);
                }
                lineStart(b);
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
            resumeIndex = index;
            return false;
        }
        return true;
    }

    private boolean boundary(int resume) {
        resumeIndex = resume;
        return false;
    }

    private boolean complete(int end) {
        readyFlags = flags();
        readyEnd = end;
        clearEvent();
        resumeIndex = end;
        return false;
    }

    private void lineStart(byte b) {
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

    private int flags() {
        return EventFlags.of(endpoint, hasField, eventWord, extractor.documentType(), extractor.topLevelError(),
                extractor.emptyChoices(), extractor.content(), done);
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
