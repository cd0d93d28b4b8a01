package dev.sluice.bench.internal;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.Arrays;

/**
 * How a stream's bytes arrive at the gateway: the sequence of socket reads, each turned into a fresh direct
 * buffer from an allocator exactly as an event loop's read would. Thread-safe (immutable).
 */
public final class ReadPlan {
    private final byte[] stream;
    private final int[] starts;
    private final int[] ends;

    private ReadPlan(byte[] stream, int[] starts, int[] ends) {
        this.stream = stream;
        this.starts = starts;
        this.ends = ends;
    }

    /** One read per SSE event (each ends at its blank line), as a provider flushing every token produces. */
    public static ReadPlan perEvent(byte[] stream) {
        requireNonNull(stream, "stream");
        int[] ends = new int[stream.length];
        int n = 0;
        for (int i = 1; i < stream.length; i++) {
            if (stream[i] == '\n' && stream[i - 1] == '\n') {
                ends[n++] = i + 1;
            }
        }
        if (n == 0 || ends[n - 1] != stream.length) {
            throw new IllegalArgumentException("stream: does not end with a blank line (expected: whole SSE events)");
        }
        ends = Arrays.copyOf(ends, n);
        int[] starts = new int[n];
        for (int k = 1; k < n; k++) {
            starts[k] = ends[k - 1];
        }
        return new ReadPlan(stream, starts, ends);
    }

    /** Reads of {@code readBytes} each (the last may be shorter), cutting events at arbitrary bytes. */
    public static ReadPlan fixed(byte[] stream, int readBytes) {
        requireNonNull(stream, "stream");
        if (readBytes <= 0) {
            throw new IllegalArgumentException("readBytes: " + readBytes + " (expected: > 0)");
        }
        int n = (stream.length + readBytes - 1) / readBytes;
        int[] starts = new int[n];
        int[] ends = new int[n];
        for (int k = 0; k < n; k++) {
            starts[k] = k * readBytes;
            ends[k] = Math.min(stream.length, starts[k] + readBytes);
        }
        return new ReadPlan(stream, starts, ends);
    }

    public int reads() {
        return starts.length;
    }

    public int streamBytes() {
        return stream.length;
    }

    /** A new direct buffer from {@code alloc} holding read {@code k}; the caller owns it. */
    public ByteBuf read(ByteBufAllocator alloc, int k) {
        int length = ends[k] - starts[k];
        ByteBuf buf = alloc.directBuffer(length, length);
        return buf.writeBytes(stream, starts[k], length);
    }
}
