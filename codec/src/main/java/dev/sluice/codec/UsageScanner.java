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
    /** Stops at the byte that ends or escapes a string. */
    private static final ByteProcessor STRING_BYTE = b -> b != '"' && b != '\\';
    private final ResponseExtractor extractor = new ResponseExtractor();
    private final JsonLexer lexer = new JsonLexer(extractor);
    /** Lexes until a byte leaves the lexer inside a long string (stops after that byte). */
    private final ByteProcessor processor = this::accept;

    public UsageScanner() {
        extractor.reset(Endpoint.CHAT_COMPLETIONS, new Usage());
    }

    /** Starts a new response body on {@code e}; {@code out} is reset and receives its usage. */
    public void reset(Endpoint e, Usage out) {
        extractor.reset(e, out);
        lexer.reset();
    }

    /**
     * Scans the readable bytes of {@code chunk}, the next piece of the body, without moving its indices. The text of
     * long strings (the answer's content, mostly) is only searched for its end, not lexed byte by byte.
     */
    public void scan(ByteBuf chunk) {
        requireNonNull(chunk, "chunk");
        int i = chunk.readerIndex();
        int end = chunk.writerIndex();
        while (i < end) {
            int stop = chunk.forEachByte(i, end - i, processor);
            if (stop < 0) {
                return;
            }
            i = stop + 1;
            int special = i < end ? chunk.forEachByte(i, end - i, STRING_BYTE) : -1;
            int to = special < 0 ? end : special;
            lexer.skipStringBytes(to - i);
            i = to;
        }
    }

    /** The usage holder this response writes to. */
    public Usage usage() {
        return extractor.usage();
    }

    private boolean accept(byte b) {
        lexer.accept(b);
        return !lexer.inLongString();
    }
}
