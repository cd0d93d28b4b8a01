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
 * Relays an upstream SSE body to the client event by event, without copying: whole events go out as retained
 * slices of the upstream buffers (pooled slices, so no allocation per event in steady state). The bytes of an
 * event that is not complete yet are held (as slices) until its terminating blank line arrives, so the gateway
 * can drop an event (the usage chunk the client did not ask for) or end a broken stream with an error event on a
 * clean event boundary. The {@link ResponseRelay} of a stream in the client's own dialect.
 * <p>
 * Confined to the client channel's event loop.
 */
public final class SseRelay implements SseListener, ResponseRelay {
    private static final byte[] USAGE_NULL = ",\"usage\":null".getBytes(StandardCharsets.US_ASCII);

    private final ArrayDeque<ByteBuf> carry = new ArrayDeque<>(2);
    private final SseScanner scanner;
    private final int maxEventBytes;
    private final Clock clock;
    private ClientOut client;
    private boolean hideUsage;
    private ByteBuf cur;
    private int writeFrom;
    private int lastEnd;
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
     * {@code buf}. Returns {@link SseScanner#OK} or the scanner's error code.
     */
    public int onRead(ByteBuf buf) {
        cur = buf;
        writeFrom = lastEnd = buf.readerIndex();
        int rc;
        try {
            rc = scanner.scan(buf, this);
            if (rc == SseScanner.OK) {
                writeRegion();
                if (!terminal && lastEnd < buf.writerIndex()) {
                    carry.add(buf.retainedSlice(lastEnd, buf.writerIndex() - lastEnd));
                }
            }
        } finally {
            cur = null;
            buf.release();
        }
        return rc;
    }

    @Override
    public void onEvent(int eventEnd, int flags) {
        if (terminal) {
            // Nothing after a stream's terminal event is relayed.
            return;
        }
        boolean drop = hideUsage && (flags & SseScanner.USAGE_ONLY) != 0;
        boolean reassembled = false;
        if (!carry.isEmpty()) {
            // The first event completed in this buffer began in an earlier one.
            if (!drop && hideUsage && cur != null) {
                writeReassembled(eventEnd);
                reassembled = true;
            } else {
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
        if (reassembled) {
            writeFrom = eventEnd;
        } else if (drop) {
            writeRegion();
            writeFrom = eventEnd;
        } else if (hideUsage) {
            // Asking for usage made the provider add "usage":null to every chunk; a client that did not ask
            // gets the chunks as the provider sends them without the option: no usage key at all.
            int cut = cur == null ? -1 : usageNullAt(cur, Math.max(writeFrom, cur.readerIndex()), eventEnd);
            if (cut >= 0) {
                lastEnd = cut;
                writeRegion();
                writeFrom = cut + USAGE_NULL.length;
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
     * buffer first.
     */
    private void writeReassembled(int eventEnd) {
        int tail = eventEnd - cur.readerIndex();
        int size = tail;
        for (ByteBuf b : carry) {
            size += b.readableBytes();
        }
        ByteBuf whole = client.alloc().buffer(size);
        ByteBuf b;
        while ((b = carry.poll()) != null) {
            whole.writeBytes(b);
            b.release();
        }
        whole.writeBytes(cur, cur.readerIndex(), tail);
        int cut = usageNullAt(whole, whole.readerIndex(), whole.writerIndex());
        if (cut >= 0) {
            int after = cut + USAGE_NULL.length;
            client.write(whole.retainedSlice(whole.readerIndex(), cut - whole.readerIndex()));
            client.write(whole.retainedSlice(after, whole.writerIndex() - after));
            whole.release();
        } else {
            client.write(whole);
        }
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

    private void writeRegion() {
        int len = lastEnd - writeFrom;
        if (cur == null || len <= 0) {
            return;
        }
        ByteBuf out = writeFrom == cur.readerIndex() && lastEnd == cur.writerIndex()
                ? cur.retain() : cur.retainedSlice(writeFrom, len);
        client.write(out);
        writeFrom = lastEnd;
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
        ByteBuf b;
        while ((b = carry.poll()) != null) {
            b.release();
        }
    }
}
