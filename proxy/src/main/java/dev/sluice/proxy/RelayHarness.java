package dev.sluice.proxy;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.codec.Endpoint;
import dev.sluice.codec.SseScanner;
import dev.sluice.codec.Usage;
import dev.sluice.journal.JournalProducer;
import dev.sluice.proxy.internal.CaptureScratch;
import dev.sluice.proxy.internal.ClientOut;
import dev.sluice.proxy.internal.ContentCapture;
import dev.sluice.proxy.internal.SseRelay;
import dev.sluice.routing.config.CaptureLevel;
import dev.sluice.routing.config.JournalPolicy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * The gateway's SSE relay opened to benchmarks and tests: the relay path exactly as a request runs it (one relay
 * with its scanner, reused stream after stream, each upstream read handed over whole), written to any
 * {@link ChannelHandlerContext}. The gateway itself never uses this class.
 * <p>
 * Confined to the client channel's event loop.
 */
public final class RelayHarness {
    private final SseRelay relay;
    private final Usage usage = new Usage();
    private final CaptureScratch captures;
    private ClientOut out;
    private ChannelHandlerContext outCtx;
    private ContentCapture capture;
    private long requestId;
    private final long startWallMicros = Clock.SYSTEM.wallMicros();

    /** @param maxEventBytes the scanner's event size cap (the gateway's {@code upstream.maxEventBytes}) */
    public RelayHarness(int maxEventBytes) {
        this.relay = new SseRelay(maxEventBytes, Clock.SYSTEM);
        this.captures = null;
    }

    /**
     * A harness whose streams are captured in full (with the default redaction) into {@code journal}, as under
     * {@code journal.capture: full}: each read is redacted and appended as a RESPONSE_PART before it is flushed.
     */
    public RelayHarness(int maxEventBytes, JournalProducer journal) {
        this.relay = new SseRelay(maxEventBytes, Clock.SYSTEM);
        this.captures = new CaptureScratch(requireNonNull(journal, "journal"), Clock.SYSTEM);
    }

    /** Starts a stream on {@code endpoint} relayed to {@code client}, dropping the usage chunk when {@code hideUsage}. */
    public void start(ChannelHandlerContext client, Endpoint endpoint, boolean hideUsage) {
        if (client != outCtx) {
            // One per request in the gateway (with its exchange); here one per client, like the relay itself, so
            // that what a stream costs is what relaying its events costs.
            out = new ClientOut(requireNonNull(client, "client"), () -> { });
            outCtx = client;
        }
        relay.reset(out, requireNonNull(endpoint, "endpoint"), usage, hideUsage);
        if (captures != null) {
            // One wall clock reading for the harness's life: a request reads it once, not once per stream.
            capture = captures.capture(JournalPolicy.DEFAULTS, CaptureLevel.FULL, ++requestId, startWallMicros,
                    Clock.SYSTEM.nanoTime());
            out.capture(capture);
        }
    }

    /** Response parts appended by captured streams so far. */
    public long capturedParts() {
        return captures == null ? 0 : captures.journalAppends();
    }

    /** Ends the stream: a captured stream's last part is appended and its capture pooled again. */
    public void end() {
        if (capture != null) {
            capture.finish();
            out.capture(null);
            captures.giveBack(capture);
            capture = null;
        }
    }

    /**
     * Relays one upstream read; takes ownership of {@code buf}.
     *
     * @return {@link SseScanner#OK} or the scanner's error code
     */
    public int onRead(ByteBuf buf) {
        int rc = relay.onRead(requireNonNull(buf, "buf"));
        if (capture != null) {
            // As the gateway does once per provider read, before it flushes.
            capture.flushPart();
        }
        return rc;
    }

    /** Whether the stream's terminal event has been relayed. */
    public boolean terminal() {
        return relay.terminal();
    }

    /** Whether anything was written since the last call (the gateway flushes then); clears the mark. */
    public boolean takeWritten() {
        return out.takeWritten();
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
