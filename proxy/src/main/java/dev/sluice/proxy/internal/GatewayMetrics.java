package dev.sluice.proxy.internal;

import dev.sluice.journal.Outcome;

import io.netty.buffer.PooledByteBufAllocator;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Request counters, incremented on the event loops instead of logging per request. Thread-safe.
 */
public final class GatewayMetrics {
    private final LongAdder requests = new LongAdder();
    private final LongAdder activeStreams = new LongAdder();
    private final LongAdder journalFull = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder translationDropped = new LongAdder();
    private final LongAdder bodyScans = new LongAdder();
    private final LongAdder[] outcomes = new LongAdder[Outcome.values().length];
    private final LongAdder connectionsRefused = new LongAdder();
    private final LongAdder connectionsDisplaced = new LongAdder();
    private final LongAdder overloaded = new LongAdder();
    private final LongAdder shadowsSent = new LongAdder();
    private final LongAdder shadowsSkipped = new LongAdder();
    /** Connections closed because a wait on the client timed out, by {@link ClientTimeouts} wait. */
    private final LongAdder[] timeouts = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};
    private static final String[] WAIT_NAMES = {"idle", "header", "body", "send"};
    private final LoadControl load;
    private final RequestMetrics requestMetrics = new RequestMetrics();

    GatewayMetrics(LoadControl load) {
        this.load = load;
        for (int i = 0; i < outcomes.length; i++) {
            outcomes[i] = new LongAdder();
        }
    }

    void requestStarted() {
        requests.increment();
    }

    void outcome(Outcome o) {
        outcomes[o.ordinal()].increment();
    }

    void streamOpened() {
        activeStreams.increment();
    }

    void streamClosed() {
        activeStreams.decrement();
    }

    void journalFull() {
        journalFull.increment();
    }

    /** A failed attempt is followed by another after a backoff (immediate fallbacks are in the END records). */
    void retryScheduled() {
        retries.increment();
    }

    /** A translated request or response dropped fields the other dialect has no place for. */
    void translationDropped(int fields) {
        translationDropped.add(fields);
    }

    /** A request body was scanned (once per request that has one: the facts stay with the request). */
    void bodyScanned() {
        bodyScans.increment();
    }

    /** A connection past {@code server.max_connections} was closed at once (none was idle to make room). */
    void connectionRefused() {
        connectionsRefused.increment();
    }

    /** An idle connection was closed to make room for a new one past {@code server.max_connections}. */
    void connectionDisplaced() {
        connectionsDisplaced.increment();
    }

    /** {@code n} connections waiting for a request were closed while memory was short. */
    void connectionsDisplaced(int n) {
        if (n > 0) {
            connectionsDisplaced.add(n);
        }
    }

    /** A shadow copy was sent ({@code true}), or drawn and not sent (load, no listener, a failed connect). */
    void shadowCopy(boolean sent) {
        (sent ? shadowsSent : shadowsSkipped).increment();
    }

    /** Shadow copies sent ({@code true}) or drawn and not sent. */
    public long shadowCopies(boolean sent) {
        return (sent ? shadowsSent : shadowsSkipped).sum();
    }

    /** A request was refused with 503 overloaded (requests in flight or memory). */
    void overloaded() {
        overloaded.increment();
    }

    /** A connection was closed because its wait ({@link ClientTimeouts#IDLE} ...) timed out. */
    void timedOut(int wait) {
        timeouts[wait].increment();
    }

    /** What requests served by a deployment took and used, per alias, deployment, team, model and agent. */
    RequestMetrics requestMetrics() {
        return requestMetrics;
    }

    /** Appends the counters and gauges to a scrape. */
    void render(MetricsText m) {
        m.family("sluice_requests_total", "counter", "Requests received on the client listener.")
                .sample("sluice_requests_total", requests.sum());
        m.family("sluice_request_outcomes_total", "counter", "Requests ended, by outcome (as in the journal).");
        for (Outcome o : Outcome.values()) {
            m.sample("sluice_request_outcomes_total", outcomes[o.ordinal()].sum(), "outcome", o.wireName());
        }
        m.family("sluice_active_streams", "gauge", "Streamed answers being relayed now.")
                .sample("sluice_active_streams", activeStreams.sum());
        m.family("sluice_journal_full_total", "counter", "Records the journal could not take (the request was "
                + "refused with 503 when it was its first).").sample("sluice_journal_full_total", journalFull.sum());
        m.family("sluice_retries_delayed_total", "counter", "Failed attempts followed by another after a backoff.")
                .sample("sluice_retries_delayed_total", retries.sum());
        m.family("sluice_translation_dropped_fields_total", "counter", "Fields a translation between the OpenAI and "
                + "Anthropic formats dropped (the other format has no place for them).")
                .sample("sluice_translation_dropped_fields_total", translationDropped.sum());
        m.family("sluice_request_body_scans_total", "counter", "Request bodies scanned (once per request with a "
                + "body).").sample("sluice_request_body_scans_total", bodyScans.sum());
        m.family("sluice_client_connections", "gauge", "Client connections open now.")
                .sample("sluice_client_connections", load.connections());
        m.family("sluice_client_connections_cap", "gauge", "The most client connections kept open "
                + "(server.max_connections).").sample("sluice_client_connections_cap", load.connectionCap());
        m.family("sluice_requests_in_flight", "gauge", "Requests admitted and not yet ended.")
                .sample("sluice_requests_in_flight", load.inFlight());
        m.family("sluice_memory_short", "gauge", "1 while memory is short and new requests are refused with 503.")
                .sample("sluice_memory_short", load.memoryShort() == null ? 0 : 1);
        m.family("sluice_heap_live_bytes", "gauge", "Heap in use after the last collection.")
                .sample("sluice_heap_live_bytes", load.heapLiveBytes());
        m.family("sluice_heap_max_bytes", "gauge", "The most heap the gateway may use.")
                .sample("sluice_heap_max_bytes", load.heapMaxBytes());
        m.family("sluice_direct_used_bytes", "gauge", "Direct (network buffer) memory in use.")
                .sample("sluice_direct_used_bytes", load.directUsedBytes());
        m.family("sluice_direct_pinned_bytes", "gauge", "Direct memory in the network buffers the gateway holds "
                + "now (sluice_direct_used_bytes counts the allocator's reserved chunks, whole).")
                .sample("sluice_direct_pinned_bytes", PooledByteBufAllocator.DEFAULT.pinnedDirectMemory());
        m.family("sluice_direct_max_bytes", "gauge", "The most direct memory the gateway may use.")
                .sample("sluice_direct_max_bytes", load.directMaxBytes());
        m.family("sluice_overloaded_total", "counter", "Requests refused with 503 overloaded (requests in flight "
                + "or memory).").sample("sluice_overloaded_total", overloaded.sum());
        m.family("sluice_connections_refused_total", "counter", "Connections past server.max_connections closed at "
                + "once.").sample("sluice_connections_refused_total", connectionsRefused.sum());
        m.family("sluice_connections_displaced_total", "counter", "Idle connections closed to make room, or while "
                + "memory was short.").sample("sluice_connections_displaced_total", connectionsDisplaced.sum());
        m.family("sluice_shadow_copies_total", "counter", "Shadow copies drawn, by result: sent, or skipped (load, "
                + "no listener, a failed connect).")
                .sample("sluice_shadow_copies_total", shadowsSent.sum(), "result", "sent")
                .sample("sluice_shadow_copies_total", shadowsSkipped.sum(), "result", "skipped");
        m.family("sluice_client_timeouts_total", "counter", "Client connections closed because a wait timed out, "
                + "by wait (idle, header, body, send).");
        for (int i = 0; i < timeouts.length; i++) {
            m.sample("sluice_client_timeouts_total", timeouts[i].sum(), "wait", WAIT_NAMES[i]);
        }
    }

    /** Failed attempts followed by another after a backoff or a provider's Retry-After. */
    public long retriesDelayed() {
        return retries.sum();
    }

    public long activeStreams() {
        return activeStreams.sum();
    }

    /** Request bodies scanned: one per request with a body, whatever its admission and attempts. */
    public long bodyScans() {
        return bodyScans.sum();
    }

    public long requests() {
        return requests.sum();
    }

    /** Connections closed because their wait on the client timed out: {@code idle}, {@code header}, {@code body} or {@code send}. */
    public long timeouts(String wait) {
        return timeouts[Arrays.asList(WAIT_NAMES).indexOf(wait)].sum();
    }

    /**
     * Connections waiting for a request that were closed to make room past {@code server.max_connections}, or
     * while memory was short.
     */
    public long connectionsDisplaced() {
        return connectionsDisplaced.sum();
    }

    public long outcomes(Outcome o) {
        return outcomes[o.ordinal()].sum();
    }
}
