package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.internal.EventFlags;
import dev.sluice.codec.internal.SseByteMachine;
import dev.sluice.codec.internal.SseFastPath;

import io.netty.buffer.ByteBuf;

/**
 * Finds event boundaries in an upstream SSE stream and what each event means, without copying or allocating:
 * one scanner per stream, fed each buffer as it arrives; matching state carries across buffers, so an event may
 * span any number of them. Lines split on CR, LF or CRLF and an event ends at a blank line (WHATWG SSE, as the
 * OpenAI and Anthropic SDKs parse it, PROVIDERS.md 7.3). Usage and the finish reason are written into the
 * {@link Usage} given at {@link #reset(Endpoint, Usage)}. Blank lines that end no event are not reported.
 *
 * <p>Most events (content deltas) carry nothing to extract, so events that lie whole in one buffer are found with
 * eight-byte-at-a-time searches and judged by byte patterns; only events that may carry usage, a finish reason,
 * an error or an end, or that span buffers, are lexed byte by byte. Both paths give the same events and flags.
 * Confined to one thread (the stream's event loop).
 */
public final class SseScanner {
    /** {@link #scan} result: all bytes were scanned. */
    public static final int OK = 0;
    /** {@link #scan} result: an event grew past {@code maxEventBytes}; the scanner stops until reset. */
    public static final int FRAME_TOO_LARGE = 1;

    /** The event is OpenAI's {@code data: [DONE]}. */
    public static final int DONE = EventFlags.DONE;
    /** An OpenAI chunk with top-level {@code "choices":[]}: the include_usage chunk. */
    public static final int USAGE_ONLY = EventFlags.USAGE_ONLY;
    /** {@code event: error}, data with a truthy top-level {@code error}, or a Responses {@code response.failed}. */
    public static final int ERROR = EventFlags.ERROR;
    /** The event that ends a well-formed stream: [DONE] on chat and completions, response.completed,
     * response.incomplete, response.failed on responses, message_stop on messages. */
    public static final int TERMINAL = EventFlags.TERMINAL;
    /** The event carries generated content (text, tool-call arguments, refusal text). */
    public static final int CONTENT = EventFlags.CONTENT;
    /** The event has only comment lines ({@code : ping}). */
    public static final int COMMENT_ONLY = EventFlags.COMMENT_ONLY;

    private final int maxEventBytes;
    private final Usage ownUsage = new Usage();
    private final SseByteMachine machine;
    private final SseFastPath fastPath;

    private SseListener listener;
    private int lastEnd;
    private long events;
    private long contentEvents;

    /**
     * @param maxEventBytes the largest event accepted, counting its lines and their terminators
     */
    public SseScanner(int maxEventBytes) {
        if (maxEventBytes <= 0) {
            throw new IllegalArgumentException("maxEventBytes: " + maxEventBytes + " (expected: > 0)");
        }
        this.maxEventBytes = maxEventBytes;
        this.machine = new SseByteMachine(maxEventBytes);
        this.fastPath = new SseFastPath(maxEventBytes);
        reset(Endpoint.CHAT_COMPLETIONS, ownUsage);
    }

    /** Starts a new stream on {@code e}, extracting usage into a holder owned by this scanner ({@link #usage()}). */
    public void reset(Endpoint e) {
        reset(e, ownUsage);
    }

    /** Starts a new stream on {@code e}; {@code usage} is reset and receives this stream's usage. */
    public void reset(Endpoint e, Usage usage) {
        requireNonNull(e, "e");
        machine.reset(e, requireNonNull(usage, "usage"));
        fastPath.reset(e);
        listener = null;
        events = 0;
        contentEvents = 0;
        lastEnd = 0;
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
        if (machine.tooLarge()) {
            return FRAME_TOO_LARGE;
        }
        int from = buf.readerIndex();
        int to = from + buf.readableBytes();
        listener = l;
        try {
            fastPath.newBuffer();
            int i = from;
            while (i < to) {
                if (machine.atEventBoundary()) {
                    int r = fastPath.next(buf, i, to);
                    if (r == SseFastPath.EVENT) {
                        i = fastPath.eventEnd();
                        report(i, fastPath.eventFlags());
                        continue;
                    }
                    i = fastPath.resumeIndex();
                    if (r == SseFastPath.END) {
                        break;
                    }
                }
                // An event that began in an earlier buffer, or one the fast path cannot judge.
                i = machine.run(buf, i, to);
                if (machine.tooLarge()) {
                    break;
                }
                int flags = machine.readyFlags();
                if (flags >= 0) {
                    report(machine.readyEnd(), flags);
                }
            }
        } finally {
            listener = null;
        }
        lastEnd = to;
        return machine.tooLarge() ? FRAME_TOO_LARGE : OK;
    }

    /**
     * Tells the scanner the stream has ended. An event whose blank line ended with a bare CR at the very end of
     * the last buffer cannot be told from a CRLF until the next byte; it is reported here, with the end index of
     * the last buffer scanned. An event without its blank line is not reported (see {@link #hasPartialEvent()}).
     */
    public void endOfStream(SseListener l) {
        requireNonNull(l, "l");
        int flags = machine.endOfStream();
        if (flags >= 0) {
            listener = l;
            try {
                report(lastEnd, flags);
            } finally {
                listener = null;
            }
        }
    }

    /** Whether bytes of an event have been seen whose terminating blank line has not. */
    public boolean hasPartialEvent() {
        return machine.hasPartialEvent();
    }

    /** The usage holder this stream writes to. */
    public Usage usage() {
        return machine.usage();
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

    private void report(int endIndex, int flags) {
        events++;
        if ((flags & CONTENT) != 0) {
            contentEvents++;
        }
        listener.onEvent(endIndex, flags);
    }
}
