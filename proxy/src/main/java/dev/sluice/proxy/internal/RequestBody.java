package dev.sluice.proxy.internal;

import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/**
 * A request's body as the client sent it, gathered up to the size cap without copying, and what one scan of it
 * found ({@link RequestFacts}). The facts belong to the request, not to its event loop, so they stay true while the
 * request waits for an admission decision and across its attempts: the body is scanned once.
 * <p>
 * Confined to the client channel's event loop.
 */
final class RequestBody {
    private static final int MAX_COMPONENTS = 4096;

    private final CompositeByteBuf bytes;
    private final RequestFacts facts = new RequestFacts();
    private int size;

    RequestBody(ByteBufAllocator alloc) {
        this.bytes = alloc.compositeBuffer(MAX_COMPONENTS);
    }

    /** Adds a chunk, taking ownership. Returns false, releasing it, when it would pass {@code maxBytes}. */
    boolean append(ByteBuf chunk, int maxBytes) {
        int n = chunk.readableBytes();
        if (n == 0) {
            chunk.release();
            return true;
        }
        if ((long) size + n > maxBytes) {
            chunk.release();
            return false;
        }
        bytes.addComponent(true, chunk);
        size += n;
        return true;
    }

    /**
     * Scans the whole body into {@link #facts()}, counting the scan in {@code metrics}; returns
     * {@link RequestScanner#OK} or the scanner's error code.
     */
    int scan(RequestScanner scanner, GatewayMetrics metrics) {
        metrics.bodyScanned();
        facts.reset();
        return scanner.scan(bytes, facts);
    }

    /** Makes {@code next} (taken over) the body, releasing what was gathered; scan it again before use. */
    void replace(ByteBuf next) {
        bytes.removeComponents(0, bytes.numComponents());
        bytes.setIndex(0, 0);
        bytes.addComponent(true, next);
        size = next.readableBytes();
    }

    /** Bytes of the body gathered. */
    int size() {
        return size;
    }

    /** The body (still owned by this object: not to be released by the caller). */
    CompositeByteBuf bytes() {
        return bytes;
    }

    RequestFacts facts() {
        return facts;
    }

    void release() {
        bytes.release();
    }
}
