package dev.sluice.proxy.internal;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Dialect;
import dev.sluice.codec.Usage;
import dev.sluice.codec.translate.ResponseTranslator;
import dev.sluice.codec.translate.TranslationException;
import dev.sluice.codec.translate.TranslationWarnings;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;

/**
 * A provider's JSON answer (or error) translated into the client's dialect. The body is gathered whole, then
 * translated and sent with its length, so the response head waits for the end ({@link #commitsAtEnd()}); until
 * then a failure can still answer with an error status. Confined to the client channel's event loop.
 */
final class TranslatedJsonRelay implements ResponseRelay {
    /** Largest provider body gathered for translation; a bigger one fails the attempt. */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;
    private static final int MAX_COMPONENTS = 4096;

    private final ClientOut out;
    private final int upstreamStatus;
    private final Dialect from;
    private final Dialect to;
    private final Usage usage;
    private final TranslationWarnings warnings;
    private final Clock clock;
    private CompositeByteBuf body;
    private String failure;

    TranslatedJsonRelay(ClientOut out, int upstreamStatus, Dialect from, Dialect to, Usage usage,
                        TranslationWarnings warnings, Clock clock) {
        this.out = out;
        this.upstreamStatus = upstreamStatus;
        this.from = from;
        this.to = to;
        this.usage = usage;
        this.warnings = warnings;
        this.clock = clock;
        this.body = out.alloc().compositeBuffer(MAX_COMPONENTS);
    }

    @Override
    public int onContent(ByteBuf buf, boolean last) {
        if (body.readableBytes() + (long) buf.readableBytes() > MAX_BODY_BYTES) {
            buf.release();
            failure = "the provider's answer is too large to translate";
            return FAILED;
        }
        if (buf.isReadable()) {
            body.addComponent(true, buf);
        } else {
            buf.release();
        }
        return last ? translate() : OK;
    }

    private int translate() {
        CompositeByteBuf in = body;
        body = null;
        ByteBuf translated;
        try {
            translated = upstreamStatus >= 400
                    ? ResponseTranslator.translateError(out.alloc(), upstreamStatus, in, from, to)
                    : ResponseTranslator.translate(out.alloc(), in, from, to, usage, warnings, clock);
        } catch (TranslationException e) {
            failure = "the provider's answer could not be translated: " + e.getMessage();
            return FAILED;
        } finally {
            in.release();
        }
        out.contentLength(translated.readableBytes());
        out.write(translated);
        return OK;
    }

    @Override
    public boolean commitsAtEnd() {
        return true;
    }

    @Override
    public String failureMessage() {
        return failure;
    }

    @Override
    public void close(LoopResources res) {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
