package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseScanner;
import dev.sluice.codec.Usage;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Opens the package-private {@link SseRelay} to the benchmarks: the relay path exactly as {@code Exchange} runs it
 * (one relay with its scanner, reused stream after stream, each upstream read handed over whole).
 * Lives in the proxy's package inside the bench module only; the gateway never loads it.
 * Confined to the client channel's event loop.
 */
public final class RelayDriver {
    private final SseRelay relay;
    private final Usage usage = new Usage();

    /** @param maxEventBytes the scanner's event size cap (the gateway's {@code upstream.maxEventBytes}) */
    public RelayDriver(int maxEventBytes) {
        this.relay = new SseRelay(maxEventBytes);
    }

    /** Starts a stream on {@code endpoint} relayed to {@code client}, dropping the usage chunk when {@code hideUsage}. */
    public void start(ChannelHandlerContext client, Endpoint endpoint, boolean hideUsage) {
        requireNonNull(client, "client");
        relay.reset(client, requireNonNull(endpoint, "endpoint"), usage, hideUsage);
    }

    /**
     * Relays one upstream read; takes ownership of {@code buf}.
     *
     * @return {@link SseScanner#OK} or the scanner's error code
     */
    public int onRead(ByteBuf buf) {
        return relay.onRead(requireNonNull(buf, "buf"));
    }

    /** Whether the stream's terminal event has been relayed. */
    public boolean terminal() {
        return relay.terminal();
    }

    /** Whether anything was written since the last call (the gateway flushes then); clears the mark. */
    public boolean takeWritten() {
        return relay.takeWritten();
    }

    /** Events the scanner completed in this stream. */
    public long events() {
        return relay.events();
    }

    /** The usage this stream reported. */
    public Usage usage() {
        return usage;
    }

    /** Releases the held bytes of an unfinished event. */
    public void discardPartial() {
        relay.discardPartial();
    }
}
