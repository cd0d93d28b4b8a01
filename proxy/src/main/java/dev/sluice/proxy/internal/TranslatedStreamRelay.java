package dev.sluice.proxy.internal;

import dev.sluice.codec.translate.StreamTranslator;

import io.netty.buffer.ByteBuf;

/**
 * Relays a provider's SSE stream translated event by event into the client's dialect ({@link StreamTranslator}).
 * Nothing after the stream's terminal event is relayed. Confined to the client channel's event loop.
 */
final class TranslatedStreamRelay implements ResponseRelay {
    private final ClientOut out;
    private final StreamTranslator translator;
    private String failure;

    TranslatedStreamRelay(ClientOut out, StreamTranslator translator) {
        this.out = out;
        this.translator = translator;
    }

    @Override
    public int onContent(ByteBuf buf, boolean last) {
        ByteBuf translated = out.alloc().buffer(Math.max(256, buf.readableBytes() * 2));
        int rc = translator.onBytes(buf, translated);
        buf.release();
        if (translated.isReadable()) {
            out.write(translated);
        } else {
            translated.release();
        }
        if (rc != StreamTranslator.OK) {
            failure = rc == StreamTranslator.TOO_LARGE
                    ? "the provider sent an event larger than the gateway accepts"
                    : "the provider sent an event the gateway could not understand";
            return BROKEN;
        }
        return translator.terminal() && !last ? DRAIN : OK;
    }

    @Override
    public boolean stream() {
        return true;
    }

    @Override
    public boolean completeAtEnd() {
        return translator.terminal();
    }

    @Override
    public boolean upstreamError() {
        return translator.upstreamError();
    }

    @Override
    public long firstTokenNs(long firstByteNs) {
        return translator.firstContentNs();
    }

    @Override
    public long contentEvents() {
        return translator.contentEvents();
    }

    @Override
    public String failureMessage() {
        return failure;
    }

    @Override
    public void close(LoopResources res) {
        // The translator holds no buffer between reads.
    }
}
