package dev.sluice.proxy.internal;

import dev.sluice.codec.UsageScanner;

import io.netty.buffer.ByteBuf;

/**
 * Passes a JSON (or other non-stream) body through as the provider sent it, reading the usage of a successful
 * answer on the way ({@link UsageScanner}, in place, no copy). Confined to the client channel's event loop.
 */
final class JsonRelay implements ResponseRelay {
    private final ClientOut out;
    private UsageScanner usageScanner;

    /** @param usageScanner reset for this body, or {@code null} when the answer carries no usage (an error) */
    JsonRelay(ClientOut out, UsageScanner usageScanner) {
        this.out = out;
        this.usageScanner = usageScanner;
    }

    @Override
    public int onContent(ByteBuf buf, boolean last) {
        if (usageScanner != null) {
            usageScanner.scan(buf);
        }
        if (buf.isReadable()) {
            out.write(buf);
        } else {
            buf.release();
        }
        return OK;
    }

    @Override
    public void close(LoopResources res) {
        if (usageScanner != null) {
            res.giveBack(usageScanner);
            usageScanner = null;
        }
    }
}
