package dev.sluice.codec;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.internal.JsonLexer;
import dev.sluice.codec.internal.ResponseExtractor;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;

/**
 * Extracts usage and the finish reason from a NON-streaming JSON response body that arrives in several
 * buffers: chat/completions/embeddings {@code usage} and {@code finish_reason}, Responses {@code usage} and
 * {@code status}, Anthropic {@code usage} and {@code stop_reason}, normalised as {@link Usage} documents. The
 * body is not validated. One scanner per response, reusable via {@link #reset}; allocates nothing per chunk.
 * Confined to one thread.
 */
public final class UsageScanner {
    private final ResponseExtractor extractor = new ResponseExtractor();
    private final JsonLexer lexer = new JsonLexer(extractor);
    private final ByteProcessor processor = this::accept;

    public UsageScanner() {
        extractor.reset(Endpoint.CHAT_COMPLETIONS, new Usage());
    }

    /** Starts a new response body on {@code e}; {@code out} is reset and receives its usage. */
    public void reset(Endpoint e, Usage out) {
        extractor.reset(e, out);
        lexer.reset();
    }

    /** Scans the readable bytes of {@code chunk}, the next piece of the body, without moving its indices. */
    public void scan(ByteBuf chunk) {
        requireNonNull(chunk, "chunk");
        chunk.forEachByte(chunk.readerIndex(), chunk.readableBytes(), processor);
    }

    /** The usage holder this response writes to. */
    public Usage usage() {
        return extractor.usage();
    }

    private boolean accept(byte b) {
        lexer.accept(b);
        return true;
    }
}
