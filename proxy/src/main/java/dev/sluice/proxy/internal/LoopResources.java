package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.Clock;
import dev.sluice.codec.RequestScanner;
import dev.sluice.codec.UsageScanner;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.config.ClientLimits;
import dev.sluice.routing.config.KeyDigester;
import dev.sluice.routing.policy.Billing;

import io.netty.channel.EventLoop;

import java.util.ArrayDeque;

/**
 * Scratch objects and connections owned by one event loop, so the request path takes no lock and allocates no
 * scanner, digester or record per request. Confined to the event loop it was made for.
 */
public final class LoopResources {
    /** Connections closed per loop and tick while memory is short: 128 a second per loop. */
    static final int SHED_PER_TICK = 32;
    final EventLoop loop;
    final Clock clock;
    final JournalProducer journal;
    final UpstreamPool upstreams;
    final KeyDigester digester = new KeyDigester();
    final RequestScanner scanner = new RequestScanner();
    final RequestRecord requestRecord = new RequestRecord();
    final EndRecord endRecord = new EndRecord();
    final Billing.Bill bill = new Billing.Bill();
    /** The labels of the request ending now, to find its {@link RequestMetrics} series without allocating. */
    final RequestMetrics.Key metricsKey = new RequestMetrics.Key();
    /** Most idle stream relays (and usage scanners) a loop keeps for reuse. */
    static final int MAX_POOLED = 1024;
    private final ArrayDeque<SseRelay> relays = new ArrayDeque<>();
    private final ArrayDeque<UsageScanner> usageScanners = new ArrayDeque<>();
    /** This loop's client connections that wait on their client, for the connection timeouts. */
    final ClientTimeouts timeouts = new ClientTimeouts();
    /** What this loop's content captures share. */
    final CaptureScratch captures;

    public LoopResources(EventLoop loop, JournalProducer journal, UpstreamPool upstreams) {
        this(loop, journal, upstreams, Clock.SYSTEM);
    }

    /** Resources of {@code loop} whose requests read the time from {@code clock}. */
    public LoopResources(EventLoop loop, JournalProducer journal, UpstreamPool upstreams, Clock clock) {
        this.loop = requireNonNull(loop, "loop");
        this.clock = requireNonNull(clock, "clock");
        this.journal = requireNonNull(journal, "journal");
        this.upstreams = requireNonNull(upstreams, "upstreams");
        this.captures = new CaptureScratch(journal, clock);
    }

    /**
     * Returns an idle relay with its scanner (they carry a few KiB of scratch, too much to allocate per stream),
     * or a new one.
     */
    SseRelay takeRelay(int maxEventBytes) {
        SseRelay r = relays.pollLast();
        return r != null && r.maxEventBytes() == maxEventBytes ? r : new SseRelay(maxEventBytes, clock);
    }

    /** Takes back a relay whose stream has ended and whose held bytes were released. */
    void giveBack(SseRelay r) {
        if (relays.size() < MAX_POOLED) {
            relays.addLast(r);
        }
    }

    UsageScanner takeUsageScanner() {
        UsageScanner u = usageScanners.pollLast();
        return u != null ? u : new UsageScanner();
    }

    void giveBack(UsageScanner u) {
        if (usageScanners.size() < MAX_POOLED) {
            usageScanners.addLast(u);
        }
    }

    public EventLoop loop() {
        return loop;
    }

    /**
     * Ends the client waits that lasted their timeout and, while memory is short, closes up to
     * {@link #SHED_PER_TICK} of the connections that have waited longest for a request (counted as displaced);
     * call periodically on {@link #loop()}.
     */
    public void expireClientWaits(ClientLimits limits, LoadControl load, GatewayMetrics metrics) {
        timeouts.tick(clock.nanoTime(), limits);
        if (load.memoryShort() != null) {
            metrics.connectionsDisplaced(timeouts.shed(SHED_PER_TICK));
        }
    }

    /** Closes this loop's idle upstream connections; call on {@link #loop()}. */
    public void closeIdle() {
        upstreams.closeIdle();
    }
}
