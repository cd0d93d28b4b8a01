package dev.sluice.proxy.internal;

import static java.util.Objects.requireNonNull;

import dev.sluice.codec.RequestFacts;
import dev.sluice.codec.RequestScanner;
import dev.sluice.journal.EndRecord;
import dev.sluice.journal.JournalProducer;
import dev.sluice.journal.RequestRecord;
import dev.sluice.routing.config.KeyDigester;

import io.netty.channel.EventLoop;

/**
 * Scratch objects and connections owned by one event loop, so the request path takes no lock and allocates no
 * scanner, digester or record per request. Confined to the event loop it was made for.
 */
public final class LoopResources {
    final EventLoop loop;
    final JournalProducer journal;
    final UpstreamPool upstreams;
    final KeyDigester digester = new KeyDigester();
    final RequestScanner scanner = new RequestScanner();
    final RequestFacts facts = new RequestFacts();
    final RequestRecord requestRecord = new RequestRecord();
    final EndRecord endRecord = new EndRecord();

    public LoopResources(EventLoop loop, JournalProducer journal, UpstreamPool upstreams) {
        this.loop = requireNonNull(loop, "loop");
        this.journal = requireNonNull(journal, "journal");
        this.upstreams = requireNonNull(upstreams, "upstreams");
    }

    public EventLoop loop() {
        return loop;
    }

    /** Closes this loop's idle upstream connections; call on {@link #loop()}. */
    public void closeIdle() {
        upstreams.closeIdle();
    }
}
