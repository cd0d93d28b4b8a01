package dev.sluice.bench.compare.internal;

import java.util.Locale;

/** The comparison's scenarios, by their command-line names. Thread-safe (enum). */
public enum Scenario {
    /** Non-streaming JSON, closed loop over {@code --conns} connections. */
    JSON("non-streaming JSON (~420 B), closed loop"),
    /** SSE (20 content events + usage + [DONE], ~5 KB in one write), closed loop. */
    SSE("SSE, 22 events in one write, closed loop"),
    /** {@code --paced-conns} paced streams (first event at 20 ms, then 10 ms apart) plus a c=1 TTFT probe. */
    SSE_PACED("paced SSE (20 ms, then 10 ms apart), concurrent streams + c=1 TTFT probe"),
    /** Open loop at {@code --rate} requests/s. */
    JSON_RATE("JSON, open loop at a fixed rate"),
    /** Open loop at {@code --rate-low} requests/s. */
    JSON_RATE_LOW("JSON, open loop at a low fixed rate"),
    /** One connection, closed loop: JSON total time, then SSE time to first event. */
    SEQ("sequential c=1: JSON total, SSE TTFT"),
    /** Paced streams doubled from {@code --paced-conns} while the probe's p99 TTFT stays under 50 ms. */
    PACED_MAX("most concurrent paced streams with probe p99 TTFT < 50 ms");

    private final String description;

    Scenario(String description) {
        this.description = description;
    }

    /** The command-line name: {@code sse-paced}, {@code json-rate} ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    /** The scenario named {@code id}, or null. */
    public static Scenario byId(String id) {
        for (Scenario s : values()) {
            if (s.id().equals(id)) {
                return s;
            }
        }
        return null;
    }
}
