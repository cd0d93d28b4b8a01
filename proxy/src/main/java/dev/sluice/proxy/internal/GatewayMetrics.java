package dev.sluice.proxy.internal;

import dev.sluice.journal.Outcome;

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

    /** Renders the counters in the Prometheus text format. */
    public String render() {
        StringBuilder b = new StringBuilder(512);
        b.append("# TYPE sluice_requests_total counter\nsluice_requests_total ").append(requests.sum()).append('\n');
        b.append("# TYPE sluice_request_outcomes_total counter\n");
        for (Outcome o : Outcome.values()) {
            b.append("sluice_request_outcomes_total{outcome=\"").append(o.wireName()).append("\"} ")
                    .append(outcomes[o.ordinal()].sum()).append('\n');
        }
        b.append("# TYPE sluice_active_streams gauge\nsluice_active_streams ").append(activeStreams.sum()).append('\n');
        b.append("# TYPE sluice_journal_full_total counter\nsluice_journal_full_total ").append(journalFull.sum())
                .append('\n');
        b.append("# TYPE sluice_retries_delayed_total counter\nsluice_retries_delayed_total ").append(retries.sum())
                .append('\n');
        b.append("# TYPE sluice_translation_dropped_fields_total counter\nsluice_translation_dropped_fields_total ")
                .append(translationDropped.sum()).append('\n');
        b.append("# TYPE sluice_request_body_scans_total counter\nsluice_request_body_scans_total ")
                .append(bodyScans.sum()).append('\n');
        b.append("# TYPE sluice_client_connections gauge\nsluice_client_connections ").append(load.connections())
                .append('\n');
        b.append("# TYPE sluice_client_connections_cap gauge\nsluice_client_connections_cap ")
                .append(load.connectionCap()).append('\n');
        b.append("# TYPE sluice_requests_in_flight gauge\nsluice_requests_in_flight ").append(load.inFlight())
                .append('\n');
        b.append("# TYPE sluice_memory_short gauge\nsluice_memory_short ").append(load.memoryShort() == null ? 0 : 1)
                .append('\n');
        b.append("# TYPE sluice_heap_live_bytes gauge\nsluice_heap_live_bytes ").append(load.heapLiveBytes())
                .append('\n');
        b.append("# TYPE sluice_heap_max_bytes gauge\nsluice_heap_max_bytes ").append(load.heapMaxBytes())
                .append('\n');
        b.append("# TYPE sluice_direct_used_bytes gauge\nsluice_direct_used_bytes ").append(load.directUsedBytes())
                .append('\n');
        b.append("# TYPE sluice_direct_max_bytes gauge\nsluice_direct_max_bytes ").append(load.directMaxBytes())
                .append('\n');
        b.append("# TYPE sluice_overloaded_total counter\nsluice_overloaded_total ").append(overloaded.sum())
                .append('\n');
        b.append("# TYPE sluice_connections_refused_total counter\nsluice_connections_refused_total ")
                .append(connectionsRefused.sum()).append('\n');
        b.append("# TYPE sluice_connections_displaced_total counter\nsluice_connections_displaced_total ")
                .append(connectionsDisplaced.sum()).append('\n');
        b.append("# TYPE sluice_shadow_copies_total counter\nsluice_shadow_copies_total{result=\"sent\"} ")
                .append(shadowsSent.sum()).append("\nsluice_shadow_copies_total{result=\"skipped\"} ")
                .append(shadowsSkipped.sum()).append('\n');
        b.append("# TYPE sluice_client_timeouts_total counter\n");
        for (int i = 0; i < timeouts.length; i++) {
            b.append("sluice_client_timeouts_total{wait=\"").append(WAIT_NAMES[i]).append("\"} ")
                    .append(timeouts[i].sum()).append('\n');
        }
        return b.toString();
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
