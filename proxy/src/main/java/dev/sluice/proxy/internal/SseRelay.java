package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseListener;
import dev.sluice.codec.SseScanner;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;

/**
 * Relays an upstream SSE body to the client event by event, without allocating per event: the events of a read go
 * out as that read's own buffer (retained, not sliced: a slice is an object per write under Netty's adaptive
 * allocator). What the client must not see is cut out of the buffer in place: the usage chunk it did not ask for,
 * the {@code "usage":null} the provider adds to every chunk because the gateway asked for usage, anything after
 * the terminal event; the bytes kept are moved down over the gap (usually the three bytes closing an event). The
 * bytes of an event that is not complete yet are held until its terminating blank line arrives (a read that holds
 * nothing else is held whole; the unfinished tail of a read is copied into a buffer of its own, or sliced when it
 * is long), so the gateway can drop an event or end a broken stream with an error event on a clean event
 * boundary. The {@link ResponseRelay} of a stream in the client's own dialect.
 * <p>
 * Confined to the client channel's event loop.
 */
public final class SseRelay implements SseListener, ResponseRelay {
    private static final byte[] USAGE_NULL = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);
    /** An unfinished tail up to this long is copied (an object the allocator recycles); a longer one is sliced. */
    private static final int COPY_TAIL_MAX = 4096;

    private final ArrayDeque<ByteBuf> carry = new ArrayDeque<>(2);
    /** The readable bytes held in {@link #carry} (counted, not summed: an iterator is an object per event). */
    private int carriedBytes;
    private final SseScanner scanner;
    private final int maxEventBytes;
    private final Clock clock;
    private ClientOut client;
    private boolean hideUsage;
    /** The read being scanned; null outside {@link #onRead}. */
    private ByteBuf cur;
    /** Where the bytes of {@link #cur} to send begin (past an event sent reassembled, or dropped at the start). */
    private int regionStart;
    /** Where the bytes kept so far end: {@code [regionStart, keptEnd)} of {@link #cur} goes to the client. */
    private int keptEnd;
    /** Where the last complete event of {@link #cur} ends: the next one begins there. */
    private int lastEnd;
    /** Bytes moved within a read pass through here (grows to the longest move, a read at most). */
    private byte[] scratch = new byte[256];
    private boolean terminal;
    private long firstContentNs;
    private long firstEventNs;

    /**
     * A relay with its own scanner, reused stream after stream from its event loop's pool; {@code clock} times the
     * first event.
     */
    public SseRelay(int maxEventBytes, Clock clock) {
        this.scanner = new SseScanner(maxEventBytes);
        this.maxEventBytes = maxEventBytes;
        this.clock = clock;
    }

    /** Starts relaying a new stream of {@code endpoint} to {@code client}; usage goes into {@code usage}. */
    public SseRelay reset(ClientOut client, Endpoint endpoint, Usage usage, boolean hideUsage) {
        this.client = client;
        this.scanner.reset(endpoint, usage);
        this.hideUsage = hideUsage;
        this.terminal = false;
        this.firstContentNs = 0;
        this.firstEventNs = 0;
        return this;
    }

    /**
     * Scans {@code buf} and writes its complete events to the client (not flushed). Takes ownership of
     * {@code buf} (and may change its bytes). Returns {@link SseScanner#OK} or the scanner's error code.
     */
    public int onRead(ByteBuf buf) {
        if (buf.isReadOnly()) {
            // Cut in place below: a read-only view is copied first (Netty's own reads never are).
            ByteBuf copy = client.alloc().directBuffer(buf.readableBytes());
            copy.writeBytes(buf, buf.readerIndex(), buf.readableBytes());
            buf.release();
            buf = copy;
        }
        cur = buf;
        regionStart = keptEnd = lastEnd = buf.readerIndex();
        int rc;
        try {
            rc = scanner.scan(buf, this);
            if (rc == SseScanner.OK) {
                finishRead(buf);
            }
        } finally {
            cur = null;
            buf.release();
        }
        return rc;
    }

    /** Holds the unfinished tail of {@code buf} and writes what was kept of its complete events. */
    private void finishRead(ByteBuf buf) {
        int tail = terminal ? 0 : buf.writerIndex() - lastEnd;
        ByteBuf held = null;
        if (tail > 0) {
            if (lastEnd == buf.readerIndex()) {
                // No event ends in this read: all of it is the unfinished one.
                carriedBytes += buf.readableBytes();
                carry.add(buf.retain());
                return;
            }
            if (tail <= COPY_TAIL_MAX) {
                held = client.alloc().directBuffer(tail);
                buf.getBytes(lastEnd, held, 0, tail);
                held.writerIndex(tail);
            } else {
                held = buf.retainedSlice(lastEnd, tail);
            }
        }
        if (keptEnd > regionStart) {
            buf.setIndex(regionStart, keptEnd);
            client.write(buf.retain());
        }
        if (held != null) {
            carriedBytes += tail;
            carry.add(held);
        }
    }

    @Override
    public void onEvent(int eventEnd, int flags) {
        if (terminal) {
            // Nothing after a stream's terminal event is relayed.
            return;
        }
        boolean drop = hideUsage && (flags & SseScanner.USAGE_ONLY) != 0;
        int from = lastEnd;
        if (!carry.isEmpty()) {
            // The first event completed in this buffer began in an earlier one.
            if (!drop && hideUsage && cur != null) {
                writeReassembled(eventEnd);
                // Sent whole: the region of this read begins after it.
                regionStart = keptEnd = from = eventEnd;
            } else {
                carriedBytes = 0;
                ByteBuf b;
                while ((b = carry.poll()) != null) {
                    if (drop) {
                        b.release();
                    } else {
                        client.write(b);
                    }
                }
            }
        }
        if (cur != null && !drop && from < eventEnd) {
            // Asking for usage made the provider add "usage":null to every chunk; a client that did not ask
            // gets the chunks as the provider sends them without the option: no usage key at all.
            int cut = hideUsage ? usageNullAt(cur, from, eventEnd) : -1;
            if (cut >= 0) {
                keep(from, cut);
                keep(cut + USAGE_NULL.length, eventEnd);
            } else {
                keep(from, eventEnd);
            }
        }
        lastEnd = eventEnd;
        long now = 0;
        if (firstEventNs == 0) {
            firstEventNs = now = clock.nanoTime();
        }
        if (firstContentNs == 0 && (flags & SseScanner.CONTENT) != 0) {
            firstContentNs = now != 0 ? now : clock.nanoTime();
        }
        if ((flags & SseScanner.TERMINAL) != 0) {
            terminal = true;
        }
    }

    /**
     * Keeps bytes {@code [from, to)} of the current read after those kept so far: nothing to do when they follow
     * on (the usual case), else they are moved down over what was cut.
     */
    private void keep(int from, int to) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        if (keptEnd == regionStart) {
            // Nothing kept yet: whatever was cut before is simply not sent.
            regionStart = from;
        } else if (keptEnd != from) {
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, scratch.length * 2)];
            }
            cur.getBytes(from, scratch, 0, n);
            cur.setBytes(keptEnd, scratch, 0, n);
            keptEnd += n;
            return;
        }
        keptEnd = from + n;
    }

    /** Reports an event that only the end of the stream completes (a lone CR at the very end of a read). */
    void endOfStream() {
        scanner.endOfStream(this);
    }

    @Override
    public int onContent(ByteBuf buf, boolean last) {
        return onRead(buf) == SseScanner.OK ? OK : BROKEN;
    }

    @Override
    public boolean stream() {
        return true;
    }

    @Override
    public boolean completeAtEnd() {
        endOfStream();
        return terminal;
    }

    @Override
    public String failureMessage() {
        return "the provider sent an event larger than the gateway accepts";
    }

    @Override
    public void close(LoopResources res) {
        discardPartial();
        client = null;
        res.giveBack(this);
    }

    /**
     * Writes an event that began in earlier reads and ends at {@code eventEnd} of the current one, without its
     * {@code "usage":null}: the field may straddle reads, so the (rare) split event is copied into one pooled
     * buffer first and the field cut out of it in place (only the event's closing brace and line ends follow it).
     * The bytes are copied from each source into the buffer's memory ({@code getBytes}), not with
     * {@code writeBytes(ByteBuf)}, which makes NIO views of both buffers on every call.
     */
    private void writeReassembled(int eventEnd) {
        int tail = eventEnd - cur.readerIndex();
        int size = tail + carriedBytes;
        carriedBytes = 0;
        ByteBuf whole = client.alloc().buffer(size);
        ByteBuf b;
        while ((b = carry.poll()) != null) {
            int n = b.readableBytes();
            b.getBytes(b.readerIndex(), whole, whole.writerIndex(), n);
            whole.writerIndex(whole.writerIndex() + n);
            b.release();
        }
        cur.getBytes(cur.readerIndex(), whole, whole.writerIndex(), tail);
        whole.writerIndex(whole.writerIndex() + tail);
        int cut = usageNullAt(whole, whole.readerIndex(), whole.writerIndex());
        if (cut >= 0) {
            int end = whole.writerIndex();
            for (int from = cut + USAGE_NULL.length, to = cut; from < end; from++, to++) {
                whole.setByte(to, whole.getByte(from));
            }
            whole.writerIndex(end - USAGE_NULL.length);
        }
        client.write(whole);
    }

    /**
     * Returns where {@code ,"usage":null} starts when the event ending at {@code eventEnd} closes its JSON with it
     * and those bytes lie in {@code buf} at or after {@code floor}, else -1.
     */
    private static int usageNullAt(ByteBuf buf, int floor, int eventEnd) {
        int i = eventEnd - 1;
        while (i >= floor && eventEnd - i <= 4 && (buf.getByte(i) == '\n' || buf.getByte(i) == '\r')) {
            i--;
        }
        if (i < floor || buf.getByte(i) != '}') {
            return -1;
        }
        int start = i - USAGE_NULL.length;
        if (start < floor) {
            return -1;
        }
        for (int j = 0; j < USAGE_NULL.length; j++) {
            if (buf.getByte(start + j) != USAGE_NULL[j]) {
                return -1;
            }
        }
        return start;
    }

    /** True once the stream's terminal event ([DONE], message_stop, response.completed...) has been relayed. */
    public boolean terminal() {
        return terminal;
    }

    /** Returns the nanoTime of the first event carrying content, else of the first event, else 0. */
    @Override
    public long firstTokenNs(long firstByteNs) {
        return firstContentNs != 0 ? firstContentNs : firstEventNs;
    }

    /** Events carrying generated content seen so far (the token estimate when the provider gives no usage). */
    @Override
    public long contentEvents() {
        return scanner.contentEvents();
    }

    /** Complete events seen in this stream. */
    public long events() {
        return scanner.events();
    }

    int maxEventBytes() {
        return maxEventBytes;
    }

    /** Drops the bytes of an unfinished event (the stream broke in the middle of it). */
    public void discardPartial() {
        carriedBytes = 0;
        ByteBuf b;
        while ((b = carry.poll()) != null) {
            b.release();
        }
    }
}
