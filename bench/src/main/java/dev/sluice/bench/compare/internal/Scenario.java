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
    /** Non-streaming JSON, closed loop over one connection for the whole window: the unloaded tail. */
    LAT_C1("JSON latency, closed loop, 1 connection", 1),
    /** Non-streaming JSON, closed loop over 64 connections: the tail under concurrency. */
    LAT_C64("JSON latency, closed loop, 64 connections", 64),
    /** Paced streams doubled from {@code --paced-conns} while the probe's p99 TTFT stays under 50 ms. */
    PACED_MAX("most concurrent paced streams with probe p99 TTFT < 50 ms");

    private final String description;
    private final int connections;

    Scenario(String description) {
        this(description, 0);
    }

    Scenario(String description, int connections) {
        this.description = description;
        this.connections = connections;
    }

    /** The command-line name: {@code sse-paced}, {@code json-rate} ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String description() {
        return description;
    }

    /** The connections the scenario itself fixes ({@code lat-c1}: 1, {@code lat-c64}: 64), or 0 when options decide. */
    public int connections() {
        return connections;
    }

    /** Every command-line name, comma-separated, in declaration order (for help and error texts). */
    public static String ids() {
        StringBuilder sb = new StringBuilder();
        for (Scenario s : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s.id());
        }
        return sb.toString();
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
