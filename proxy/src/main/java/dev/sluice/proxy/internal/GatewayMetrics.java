package dev.sluice.proxy.internal;

import dev.sluice.journal.Outcome;

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

    GatewayMetrics() {
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

    public long outcomes(Outcome o) {
        return outcomes[o.ordinal()].sum();
    }
}
