package dev.sluice.bench.compare.internal;

import java.nio.charset.StandardCharsets;

/**
 * The upstream behaviours of the comparison, chosen by the request's {@code model}, the one thing every proxy
 * passes through unchanged: delays and the number of content chunks. Thread-safe (enum).
 */
public enum BenchModel {
    /** No delay; 20 content chunks. */
    MOCK("mock", 0, 0, 0, 20),
    /** A JSON answer after 50 ms (a stream's first chunk after 50 ms). */
    LAT50("mock-lat50", 50, 50, 0, 20),
    /** A stream whose first chunk comes after 20 ms, then one every 10 ms, each its own write and flush. */
    TTFT20_ITL10("mock-ttft20-itl10", 0, 20, 10, 20),
    /** No delay; 40 content chunks. */
    N40("mock-n40", 0, 0, 0, 40);

    private final String id;
    private final byte[] idBytes;
    private final long latencyMs;
    private final long firstChunkMs;
    private final long chunkGapMs;
    private final int contentChunks;

    BenchModel(String id, long latencyMs, long firstChunkMs, long chunkGapMs, int contentChunks) {
        this.id = id;
        this.idBytes = id.getBytes(StandardCharsets.US_ASCII);
        this.latencyMs = latencyMs;
        this.firstChunkMs = firstChunkMs;
        this.chunkGapMs = chunkGapMs;
        this.contentChunks = contentChunks;
    }

    /** The model name a request names. */
    public String id() {
        return id;
    }

    byte[] idBytes() {
        return idBytes;
    }

    /** Delay before a JSON answer. */
    public long latencyMs() {
        return latencyMs;
    }

    /** Delay before a stream's first chunk. */
    public long firstChunkMs() {
        return firstChunkMs;
    }

    /** Gap between a stream's chunks; 0 writes the whole stream at once. */
    public long chunkGapMs() {
        return chunkGapMs;
    }

    /** Content chunks of a stream (then one finish chunk with usage, then {@code [DONE]}). */
    public int contentChunks() {
        return contentChunks;
    }

    /** SSE {@code data:} lines of a stream: content chunks, the finish/usage chunk, {@code [DONE]}. */
    public int dataLines() {
        return contentChunks + 2;
    }
}
